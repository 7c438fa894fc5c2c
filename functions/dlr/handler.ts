import * as z from "zod";
import { qualityRecordingStore } from "../carriers/quality/recording-store.ts";
import { CARRIER_ID, carrierSecrets } from "../carriers/store.ts";
import { messagingMetrics } from "../messages/metrics.ts";
import { httpHandler, MAX_BODY_BYTES, route } from "../shared/http.ts";
import { DomainError } from "../shared/problem.ts";
import { parseWith } from "../shared/validation.ts";
import { applyDeliveryReport, deliveryReport, verifySignature } from "./service.ts";

const store = qualityRecordingStore();

const params = z.strictObject({ carrierId: z.string().regex(CARRIER_ID) });

export const handler = httpHandler({
  // No body schema on the route: the signature is checked on the raw bytes before anything is parsed,
  // so an unauthenticated caller learns nothing from validation errors.
  "POST /v1/carriers/{carrierId}/dlr": route({
    params,
    responses: { 200: z.object({ outcome: z.enum(["applied", "duplicate", "ignored"]) }) },
    run: async ({ params: { carrierId }, headers, bodyText }) => {
      if (Buffer.byteLength(bodyText, "utf8") > MAX_BODY_BYTES) {
        throw new DomainError("payload-too-large", `Request body exceeds ${MAX_BODY_BYTES} bytes`);
      }
      const secrets = await carrierSecrets(carrierId);
      if (!secrets) throw new DomainError("unauthorized", "Missing or invalid webhook signature");
      verifySignature(secrets.dlrSecret, bodyText, headers);
      let json: unknown;
      try {
        json = JSON.parse(bodyText);
      } catch {
        throw new DomainError("malformed-json", "Request body is not valid JSON");
      }
      const report = parseWith(deliveryReport, json, "");
      const outcome = await applyDeliveryReport({ carrierId, report }, { store });
      messagingMetrics().deliveryReport(carrierId, outcome === "applied" ? report.status : outcome);
      return { status: 200, body: { outcome } };
    },
  }),
});
