import * as z from "zod";
import { messageView } from "../messages/views.ts";
import { idPattern } from "../shared/ids.ts";
import { verificationView } from "../verify/view-schema.ts";

/** Event types a webhook endpoint can subscribe to. */
export const webhookEventTypes = [
  "message.sent",
  "message.delivered",
  "message.failed",
  "message.undelivered",
  "message.expired",
  "verification.approved",
  "verification.failed",
  "verification.expired",
] as const;
export type WebhookEventType = (typeof webhookEventTypes)[number];
export const webhookEventType = z.enum(webhookEventTypes);

const webhookUrl = z.string().min(1).max(2048).describe("http(s) URL of a public host (no credentials)");
const eventList = z
  .array(webhookEventType)
  .min(1)
  .max(webhookEventTypes.length)
  .refine((events) => new Set(events).size === events.length, "must not repeat an event type");

export const webhookCreateBody = z.strictObject({
  url: webhookUrl,
  events: eventList,
  description: z.string().max(200).optional(),
});
export type WebhookCreateInput = z.infer<typeof webhookCreateBody>;

export const webhookPatchBody = z
  .strictObject({ url: webhookUrl.optional(), events: eventList.optional(), enabled: z.boolean().optional() })
  .refine((patch) => Object.keys(patch).length > 0, "change at least one of url, events, enabled");
export type WebhookPatchInput = z.infer<typeof webhookPatchBody>;

const webhookId = z.string().regex(idPattern("whk"), "must be a webhook id (whk_ followed by a ULID)");
export const webhookParams = z.strictObject({ webhookId });
export const deliveryParams = z.strictObject({
  webhookId,
  deliveryId: z.string().regex(idPattern("dlv"), "must be a delivery id (dlv_ followed by a ULID)"),
});
export const deliveryListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(50),
});

export const webhookView = z.object({
  id: z.string(),
  url: z.string(),
  events: z.array(webhookEventType),
  description: z.string().optional(),
  status: z.enum(["enabled", "disabled"]),
  disabledReason: z
    .enum(["by-user", "gone", "failing"])
    .optional()
    .describe("by-user; gone: the receiver answered 410; failing: a day of failed deliveries"),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type WebhookView = z.infer<typeof webhookView>;

export const webhookWithSecret = webhookView.extend({
  secret: z.string().describe("whsec_… signing secret: shown once, store it now"),
});
export const accountSigningSecret = z.object({
  secret: z.string().describe("whsec_… account signing secret for messages' callbackUrl: shown once"),
  previousValidUntil: z.iso
    .datetime()
    .optional()
    .describe("Until when the previous secret keeps signing too (absent for the first secret)"),
});
export type AccountSigningSecretView = z.infer<typeof accountSigningSecret>;
export const webhookList = z.object({ items: z.array(webhookView) });

export const deliveryOutcomes = ["delivered", "retrying", "gone", "dead", "disabled"] as const;
export const deliveryView = z.object({
  id: z.string(),
  eventId: z.string().describe("The webhook-id header: the same across retries of one event"),
  type: webhookEventType,
  attempt: z.int().describe("1 for the first try; replays start at 1 again"),
  outcome: z
    .enum(deliveryOutcomes)
    .describe(
      "delivered (2xx); retrying (will try again); gone (410: endpoint disabled); dead (retries exhausted); disabled (a day of failures: endpoint disabled)",
    ),
  statusCode: z.int().optional(),
  error: z.string().optional().describe("Why no response was received (timeout, refused, unsafe URL…)"),
  latencyMs: z.int(),
  at: z.string(),
});
export type DeliveryView = z.infer<typeof deliveryView>;
export const deliveryList = z.object({ items: z.array(deliveryView) });
export const replayResponse = z.object({ eventId: z.string(), status: z.literal("queued") });

/** What a customer's endpoint receives (the signed body). No message text, masked numbers only. */
export const messageEventPayload = z.object({
  type: z.enum([
    "message.sent",
    "message.delivered",
    "message.failed",
    "message.undelivered",
    "message.expired",
  ]),
  timestamp: z.string(),
  data: messageView,
});
export const verificationEventPayload = z.object({
  type: z.enum(["verification.approved", "verification.failed", "verification.expired"]),
  timestamp: z.string(),
  data: verificationView.omit({ attemptsRemaining: true }).partial({ sendAttempts: true }),
});
export const webhookEventPayload = z.union([messageEventPayload, verificationEventPayload]);
export type WebhookEventPayload = z.infer<typeof webhookEventPayload>;

/** SQS records on the webhooks queue: an event to fan out, or one delivery attempt to one endpoint. */
export const eventRecord = z.object({
  v: z.literal(1),
  kind: z.literal("event"),
  eventId: z.string().min(1).max(128),
  accountId: z.string().min(1),
  payload: webhookEventPayload,
  /** A message's own callbackUrl: it gets the event too, signed with the account's secret. */
  callbackUrl: z.string().max(2048).optional(),
});
export type EventRecord = z.infer<typeof eventRecord>;

export const deliveryRecord = z.object({
  v: z.literal(1),
  kind: z.literal("delivery"),
  eventId: z.string().min(1).max(128),
  accountId: z.string().min(1),
  /** A registered endpoint's id, or callbackEndpointId(account) for a message's callbackUrl. */
  endpointId: z
    .string()
    .regex(idPattern("whk"))
    .or(z.string().regex(/^callback:[A-Za-z0-9_]+$/)),
  /** Set for callback deliveries only: the URL travels with the record through every retry. */
  callbackUrl: z.string().max(2048).optional(),
  attempt: z.int().min(1),
  /** Epoch ms before which the attempt must not run (waits longer than SQS's 15 min re-delay). */
  notBefore: z.int().optional(),
});
export type DeliveryRecord = z.infer<typeof deliveryRecord>;

/** History and payload key of an account's callback deliveries (never a registered endpoint). */
export const callbackEndpointId = (accountId: string): string => `callback:${accountId}`;

export const webhookQueueRecord = z.discriminatedUnion("kind", [eventRecord, deliveryRecord]);
export type WebhookQueueRecord = z.infer<typeof webhookQueueRecord>;
