import { dynamoAuditLog } from "../audit/store.ts";
import { systemClock } from "../shared/clock.ts";
import { httpHandler, route } from "../shared/http.ts";
import { type ExposureDeps, queryExposure } from "./exposure.ts";
import { exposureBody, exposurePage } from "./exposure-schemas.ts";
import { dynamoExposureStore } from "./exposure-store.ts";
import { operatorCall } from "./operator-call.ts";

/**
 * POST /v1/admin/incidents/exposure, its own function: read-only on the tables it scans (plus the
 * audit write of the query), so the operator plane's writer never gets read access to messages.
 */
let deps: ExposureDeps | undefined;
const exposureDeps = (): ExposureDeps => {
  deps ??= {
    clock: systemClock,
    audit: dynamoAuditLog(systemClock),
    store: dynamoExposureStore(systemClock),
    // The function may run 30 s; pages are up to 1 MB each, so stop starting new ones well before.
    timeBudgetMs: 15_000,
  };
  return deps;
};

export const handler = httpHandler({
  "POST /v1/admin/incidents/exposure": route({
    body: exposureBody,
    responses: { 200: exposurePage },
    run: async (request) => {
      const call = operatorCall(request);
      return { status: 200, body: await queryExposure(request.body, call, exposureDeps()) };
    },
  }),
});
