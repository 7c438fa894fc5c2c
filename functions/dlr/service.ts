import { Webhook, WebhookVerificationError } from "standardwebhooks";
import * as z from "zod";
import type { MessageStateStore } from "../messages/state-store.ts";
import { idPattern } from "../shared/ids.ts";
import { logger } from "../shared/logger.ts";
import { DomainError } from "../shared/problem.ts";

/**
 * Delivery reports from carriers. Authenticated by a Standard Webhooks signature with the carrier's
 * own secret (timestamp tolerance 5 min). A report only moves a message forward (monotonic status),
 * only for the carrier the message went to, so duplicates and late reports are harmless no-ops.
 */
// Lenient object (unknown fields ignored): a carrier adding a field must not lose our reports.
export const deliveryReport = z.object({
  reference: z.string().regex(idPattern("msg"), "must be the message id we sent as reference"),
  carrierMessageId: z.string().min(1).max(128),
  status: z.enum(["delivered", "undelivered", "failed"]),
  errorCode: z.string().max(64).optional(),
  errorReason: z.string().max(200).optional(),
  doneAt: z.iso.datetime({ offset: true }),
});
export type DeliveryReport = z.infer<typeof deliveryReport>;

export type ReportOutcome = "applied" | "duplicate" | "ignored";

/** Throws 401 unless `body` carries a valid signature by `secret`. */
export function verifySignature(
  secret: string,
  body: string,
  headers: Readonly<Record<string, string>>,
): void {
  try {
    new Webhook(secret).verify(body, {
      "webhook-id": headers["webhook-id"] ?? "",
      "webhook-timestamp": headers["webhook-timestamp"] ?? "",
      "webhook-signature": headers["webhook-signature"] ?? "",
    });
  } catch (error) {
    if (error instanceof WebhookVerificationError || error instanceof Error) {
      throw new DomainError("unauthorized", "Missing or invalid webhook signature");
    }
    throw error;
  }
}

export async function applyDeliveryReport(
  input: { carrierId: string; report: DeliveryReport },
  deps: { store: MessageStateStore },
): Promise<ReportOutcome> {
  const { carrierId, report } = input;
  const at = new Date(report.doneAt).toISOString();
  const error =
    report.status === "delivered"
      ? undefined
      : {
          code: report.errorCode ?? report.status,
          reason: report.errorReason ?? `carrier reported ${report.status}`,
        };
  const applied = await deps.store.applyReport(report.reference, {
    status: report.status,
    carrierId,
    carrierMessageId: report.carrierMessageId,
    at,
    ...(error ? { error } : {}),
  });
  if (applied) {
    logger.info("delivery report applied", { messageId: report.reference, carrierId, status: report.status });
    return "applied";
  }
  const message = await deps.store.get(report.reference);
  if (!message || message.carrierId !== carrierId) {
    logger.warn("delivery report for unknown message ignored", { carrierId, messageId: report.reference });
    return "ignored";
  }
  logger.info("delivery report is a duplicate or late", {
    messageId: report.reference,
    current: message.status,
    reported: report.status,
  });
  return "duplicate";
}
