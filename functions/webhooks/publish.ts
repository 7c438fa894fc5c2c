import { SendMessageCommand } from "@aws-sdk/client-sqs";
import type { StoredMessage } from "../messages/model.ts";
import { toView as messageView } from "../messages/read.ts";
import { sqsClient } from "../shared/aws.ts";
import { queueUrl } from "../shared/config.ts";
import { logger } from "../shared/logger.ts";
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
      try {
        await sqsClient().send(
          new SendMessageCommand({ QueueUrl: queueUrl("webhooks"), MessageBody: JSON.stringify(record) }),
        );
      } catch (error) {
        // The status change is already stored and must stand; the SDK has retried (maxAttempts 4).
        // This error line (no PII: ids and type only) is the signal that one event was not published.
        logger.error("webhook event not published", {
          eventId: record.eventId,
          accountId,
          error: error as Error,
        });
      }
    },
  };
}

type MessageEventType = Extract<WebhookEventPayload["type"], `message.${string}`>;
const messageEventTypes: Readonly<Record<string, MessageEventType>> = {
  sent: "message.sent",
  delivered: "message.delivered",
  failed: "message.failed",
  undelivered: "message.undelivered",
  expired: "message.expired",
};

/** The event a message's current status stands for, or undefined for statuses without one. */
export function messageEvent(message: StoredMessage, at: Date): WebhookEventPayload | undefined {
  const type = messageEventTypes[message.status];
  return type ? { type, timestamp: at.toISOString(), data: messageView(message) } : undefined;
}

export function verificationEvent(
  view: VerificationView,
  type: "verification.approved" | "verification.failed",
  at: Date,
): WebhookEventPayload {
  const { attemptsRemaining: _remaining, ...data } = view;
  return { type, timestamp: at.toISOString(), data };
}
