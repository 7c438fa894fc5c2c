import { logger } from "../shared/logger.ts";
import { dynamoOutbox, type Outbox, publishPending } from "../webhooks/outbox.ts";
import {
  messageEventOf,
  messageEventTypeOf,
  sqsWebhookPublisher,
  type WebhookEventPublisher,
} from "../webhooks/publish.ts";
import type { MessageTransitions, Moved } from "./state-store.ts";
import type { MessageStatus } from "./status.ts";
import { messageKey } from "./store.ts";

/**
 * Publishes the webhook event of every status change that has one (sent, delivered, failed,
 * undelivered, expired), at the one place status changes are written. The write itself recorded
 * the event as pending (transactional outbox, functions/webhooks/outbox.ts); this enqueues it from
 * the item as that write left it (its ALL_NEW image, no re-read) and clears it. A transition that
 * lost its race recorded nothing and publishes nothing.
 *
 * Guarantee: at least once. An enqueue that fails leaves the event pending and does not undo or
 * fail the status change; the outbox sweeper publishes it a minute later. A repeated publish is
 * harmless: the event id is stable per status and the sender's fan-out drops the duplicate.
 */
export function withStatusEvents(
  store: MessageTransitions,
  publisher: WebhookEventPublisher = sqsWebhookPublisher(),
  now: () => Date = () => new Date(),
  outbox: Outbox = dynamoOutbox(),
): MessageTransitions {
  // Publishes only what the write recorded as pending: markSent also "succeeds" when a DLR
  // overtook the dispatcher (it fills in sentAt only), and that is no new status and no event.
  // The write's own image is the freshest view there is; an event another publisher cleared since
  // is published once more, which the stable event id makes harmless (see above).
  const published = async (id: string, moved: Moved, to: MessageStatus): Promise<Moved> => {
    const type = messageEventTypeOf(to);
    if (!moved.applied || !type) return moved;
    const message = moved.after ?? (await store.get(id));
    if (!message) {
      logger.warn("status changed but message not found for its webhook event", { messageId: id });
      return moved;
    }
    if (!message.pendingEvents?.includes(type)) return moved;
    await publishPending(
      { publisher, outbox },
      { table: "messages", key: messageKey(id), accountId: message.accountId },
      messageEventOf(type, message, now()),
      message.callbackUrl,
    );
    return moved;
  };
  return {
    ...store,
    markSent: async (id, ...rest) => published(id, await store.markSent(id, ...rest), "sent"),
    finish: async (id, to, ...rest) => published(id, await store.finish(id, to, ...rest), to),
    applyReport: async (id, report) => published(id, await store.applyReport(id, report), report.status),
  };
}
