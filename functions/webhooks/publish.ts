import { SendMessageCommand } from "@aws-sdk/client-sqs";
import type { StoredMessage } from "../messages/model.ts";
import { toView as messageView } from "../messages/read.ts";
import { sqsClient } from "../shared/aws.ts";
import { queueUrl } from "../shared/config.ts";
import type { VerificationView } from "../verify/view.ts";
import type { EventRecord, WebhookEventPayload } from "./schemas.ts";

/**
 * Publishing side of webhooks: status changes become event records on the webhooks queue, which the
 * sender fans out to the account's endpoints. The event id (the webhook-id header) is derived from
 * the subject and the event type: each status is reached once per message/verification, so a second
 * publish of the same change is recognised and skipped by the fan-out.
 */
export interface WebhookEventPublisher {
  /** `callbackUrl`: the message's own URL, which gets the event too (signed with the account secret). */
  publish(accountId: string, payload: WebhookEventPayload, callbackUrl?: string): Promise<void>;
}

export const eventIdOf = (payload: WebhookEventPayload): string => `${payload.type}:${payload.data.id}`;

export function sqsWebhookPublisher(): WebhookEventPublisher {
  return {
    async publish(accountId, payload, callbackUrl) {
      const record: EventRecord = {
        v: 1,
        kind: "event",
        eventId: eventIdOf(payload),
        accountId,
        payload,
        ...(callbackUrl ? { callbackUrl } : {}),
      };
      // Errors propagate (after the SDK's retries): the caller leaves the event in the outbox.
      await sqsClient().send(
        new SendMessageCommand({ QueueUrl: queueUrl("webhooks"), MessageBody: JSON.stringify(record) }),
      );
    },
  };
}

export type MessageEventType = Extract<WebhookEventPayload["type"], `message.${string}`>;
const messageEventTypes: Readonly<Record<string, MessageEventType>> = {
  sent: "message.sent",
  delivered: "message.delivered",
  failed: "message.failed",
  undelivered: "message.undelivered",
  expired: "message.expired",
};

/** The event type a message status has, or undefined for statuses without one. */
export const messageEventTypeOf = (status: string): MessageEventType | undefined => messageEventTypes[status];

/** The event a message's current status stands for, or undefined for statuses without one. */
export function messageEvent(message: StoredMessage, at: Date): WebhookEventPayload | undefined {
  const type = messageEventTypes[message.status];
  return type ? messageEventOf(type, message, at) : undefined;
}

/**
 * An event of `type` about the message as stored now. The outbox may publish an event after the
 * message moved on (message.sent once delivered): data then shows the later status.
 */
export const messageEventOf = (
  type: MessageEventType,
  message: StoredMessage,
  at: Date,
): WebhookEventPayload => ({ type, timestamp: at.toISOString(), data: messageView(message) });

export function verificationEvent(
  view: VerificationView,
  type: "verification.approved" | "verification.failed" | "verification.expired",
  at: Date,
): WebhookEventPayload {
  const { attemptsRemaining: _remaining, ...data } = view;
  return { type, timestamp: at.toISOString(), data };
}
