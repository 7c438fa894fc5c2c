import { systemClock } from "../shared/clock.ts";
import { httpHandler, route } from "../shared/http.ts";
import { DomainError } from "../shared/problem.ts";
import { auditPageView, auditQuery } from "./schemas.ts";
import { queryAuditEvents } from "./store.ts";

export const handler = httpHandler({
  "GET /v1/audit/events": route({
    query: auditQuery,
    responses: { 200: auditPageView },
    run: async ({ query, principal }) => {
      if (!principal) throw new DomainError("unauthorized");
      try {
        const page = await queryAuditEvents({ ...query, accountId: principal.accountId }, systemClock);
        return { status: 200, body: page };
      } catch (error) {
        if ((error as Error).name === "InvalidCursor") {
          throw new DomainError("validation-failed", "cursor is not valid", {
            errors: [{ field: "cursor", message: "not a cursor from this listing" }],
          });
        }
        throw error;
      }
    },
  }),
});
