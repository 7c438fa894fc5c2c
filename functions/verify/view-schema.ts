import * as z from "zod";

/**
 * A verification as the API and webhook events show it. Apart from the request schemas
 * (schemas.ts) because those validate phone numbers: the webhook outbox, which every status write
 * reaches, would otherwise bring the phone metadata (libphonenumber-js, ~190 KB) into the dispatcher's
 * and the delivery-report consumers' bundles (test/infra/lean-bundles.test.ts).
 */
export const verificationView = z.object({
  id: z.string(),
  status: z.enum(["pending", "approved", "failed", "cancelled", "expired"]),
  to: z.string().describe("Masked number, last 3 digits"),
  channel: z.literal("sms"),
  expiresAt: z.string().describe("When the current code stops being accepted (ISO-8601 UTC)"),
  sendAttempts: z.int(),
  attemptsRemaining: z.int(),
  createdAt: z.string(),
  updatedAt: z.string(),
  approvedAt: z.string().optional(),
});
