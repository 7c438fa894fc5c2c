import * as z from "zod";
import { CARRIER_ID } from "../carriers/store.ts";
import { idPattern } from "../shared/ids.ts";
import type { DeliveryReport } from "./service.ts";

/**
 * AWS End User Messaging SMS delivery events (configuration set event destination → SNS with raw
 * message delivery → SQS), mapped to our delivery reports. The message is named by the Context the
 * aws-sms adapter sent ({messageId, carrierId}), not by AWS's MessageId. Only final events move a
 * status; queued/pending/accepted-but-not-final ones are acknowledged and ignored.
 */
// Lenient (unknown fields ignored): AWS adds fields to events without notice.
export const awsSmsEvent = z.object({
  eventType: z.string().min(1).max(64),
  eventTimestamp: z.number().int().nonnegative(),
  isFinal: z.boolean().optional(),
  messageId: z.string().min(1).max(128),
  messageStatus: z.string().max(64).optional(),
  messageStatusDescription: z.string().max(500).optional(),
  context: z
    .object({
      messageId: z.string().regex(idPattern("msg")),
      carrierId: z.string().regex(CARRIER_ID),
    })
    .optional(),
});
export type AwsSmsEvent = z.infer<typeof awsSmsEvent>;

type FinalStatus = DeliveryReport["status"];

/**
 * Final event types → our statuses. "failed": the message can never be delivered as sent (blocked,
 * invalid, spam). "undelivered": it could not reach the handset this time (unreachable, TTL expired,
 * unknown). TEXT_SUCCESSFUL is final only where no handset receipt exists (isFinal tells).
 */
// Keys: exactly AWS_SMS_EVENT_TYPES (lib/catalog/carriers.ts), which the configuration set forwards.
export const FINAL_STATUS: Readonly<Record<string, FinalStatus>> = {
  TEXT_DELIVERED: "delivered",
  TEXT_SUCCESSFUL: "delivered",
  TEXT_BLOCKED: "failed",
  TEXT_CARRIER_BLOCKED: "failed",
  TEXT_PROTECT_BLOCKED: "failed",
  TEXT_SPAM: "failed",
  TEXT_INVALID: "failed",
  TEXT_INVALID_MESSAGE: "failed",
  TEXT_TTL_EXPIRED: "undelivered",
  TEXT_UNREACHABLE: "undelivered",
  TEXT_CARRIER_UNREACHABLE: "undelivered",
  TEXT_UNKNOWN: "undelivered",
};

const READABLE_REASONS: Readonly<Record<string, string>> = {
  TEXT_BLOCKED: "the recipient's device or carrier blocked the message",
  TEXT_CARRIER_BLOCKED: "the recipient's carrier blocked the message",
  TEXT_PROTECT_BLOCKED: "blocked by the SMS protect configuration",
  TEXT_SPAM: "the recipient's carrier classified the message as spam",
  TEXT_INVALID: "the destination number is not valid",
  TEXT_INVALID_MESSAGE: "the message body could not be delivered",
  TEXT_TTL_EXPIRED: "the validity period ended before the handset received it",
  TEXT_UNREACHABLE: "the handset was unreachable (switched off or out of coverage)",
  TEXT_CARRIER_UNREACHABLE: "the recipient's carrier network was unreachable",
  TEXT_UNKNOWN: "the carrier could not say whether the message was delivered",
};

export type EventReading =
  | { readonly kind: "report"; readonly carrierId: string; readonly report: DeliveryReport }
  /** Not ours (no Context) or not final: acknowledged and dropped. */
  | { readonly kind: "ignored"; readonly why: "no-context" | "not-final" | "unknown-type" };

export function readAwsSmsEvent(event: AwsSmsEvent): EventReading {
  if (!event.context) return { kind: "ignored", why: "no-context" };
  const status = FINAL_STATUS[event.eventType];
  if (!status) {
    return { kind: "ignored", why: event.eventType.startsWith("TEXT_") ? "not-final" : "unknown-type" };
  }
  // TEXT_SUCCESSFUL with a handset receipt still to come is only "accepted by the carrier".
  if (event.isFinal === false) return { kind: "ignored", why: "not-final" };
  const code = event.eventType
    .toLowerCase()
    .replace(/^text_/, "aws-sms-")
    .replaceAll("_", "-");
  const report: DeliveryReport = {
    reference: event.context.messageId,
    carrierMessageId: event.messageId,
    status,
    doneAt: new Date(event.eventTimestamp).toISOString(),
    ...(status === "delivered"
      ? {}
      : { errorCode: code, errorReason: READABLE_REASONS[event.eventType] ?? `carrier reported ${status}` }),
  };
  return { kind: "report", carrierId: event.context.carrierId, report };
}
