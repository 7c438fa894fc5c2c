import * as z from "zod";
import { idPattern } from "../shared/ids.ts";
import { MAX_SEGMENTS } from "./segments.ts";
import { messageStatuses } from "./status.ts";

/**
 * Schemas the read path and the dispatcher share. Kept apart from the send schemas so that their
 * bundles do not carry the phone-number metadata (libphonenumber-js, ~190 KB).
 */
export const priceSchema = z.object({
  amount: z.string().describe("Decimal amount, e.g. 0.0900"),
  currency: z.string().length(3),
});

export const messageIdParams = z.strictObject({
  id: z.string().regex(idPattern("msg"), "must be a message id (msg_ followed by a ULID)"),
});

export const messageView = z.object({
  id: z.string(),
  to: z.string().describe("Masked destination, e.g. +********345"),
  country: z.string(),
  from: z.string().optional(),
  status: z.enum(messageStatuses.filter((s) => s !== "submitting") as [string, ...string[]]),
  priority: z.enum(["otp", "high", "normal", "low"]),
  carrier: z.string().optional(),
  segments: z.int(),
  encoding: z.enum(["GSM-7", "UCS-2"]),
  price: priceSchema,
  timestamps: z.object({
    createdAt: z.string(),
    scheduledAt: z.string().optional(),
    sentAt: z.string().optional(),
    deliveredAt: z.string().optional(),
    failedAt: z.string().optional(),
  }),
  error: z.object({ code: z.string(), reason: z.string() }).optional(),
});
export type MessageView = z.infer<typeof messageView>;

/** Body of an SQS record on the sms-* queues: ids only, never the number or the text. */
export const queuedMessageRecord = z.object({
  v: z.literal(1),
  messageId: z.string().regex(idPattern("msg")),
  /** Copies put back while every carrier was down (functions/dispatch/deferral.ts); absent on the first. */
  deferrals: z.int().min(1).optional(),
});
export type QueuedMessageRecord = z.infer<typeof queuedMessageRecord>;

/** The 202 answer of POST /v1/messages (also stored with an Idempotency-Key binding, read by store.ts). */
export const sendMessageResponse = z.object({
  id: z.string().regex(idPattern("msg")),
  status: z.enum(["queued", "scheduled"]),
  segments: z.int().min(1).max(MAX_SEGMENTS),
  encoding: z.enum(["GSM-7", "UCS-2"]),
  price: priceSchema,
});
