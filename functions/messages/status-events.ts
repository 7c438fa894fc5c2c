import { logger } from "../shared/logger.ts";
import { messageEvent, sqsWebhookPublisher, type WebhookEventPublisher } from "../webhooks/publish.ts";
import type { MessageStateStore } from "./state-store.ts";

/**
 * Publishes a webhook event after every status change that has one (sent, delivered, failed,
 * undelivered, expired), at the one place status changes are written. The event is published after
 * the conditional write succeeded and from the stored item (re-read), so it tells what is stored;
 * a transition that lost its race publishes nothing.
 *
 * Guarantee: at most once per transition, with the SDK's retries on the enqueue; an enqueue that
 * still fails is logged as an error ("webhook event not published", ids only) and does not undo or
 * fail the status change. A duplicate publish is harmless: the event id is stable per status.
 */
export function withStatusEvents(
  store: MessageStateStore,
  publisher: WebhookEventPublisher = sqsWebhookPublisher(),
  now: () => Date = () => new Date(),
): MessageStateStore {
  const published = async (id: string, moved: boolean): Promise<boolean> => {
    if (!moved) return moved;
    const message = await store.get(id);
    const event = message ? messageEvent(message, now()) : undefined;
    if (message && event) await publisher.publish(message.accountId, event);
    else if (!message)
      logger.warn("status changed but message not found for its webhook event", { messageId: id });
    return moved;
  };
  return {
    ...store,
    markSent: async (id, ...rest) => published(id, await store.markSent(id, ...rest)),
    finish: async (id, ...rest) => published(id, await store.finish(id, ...rest)),
    applyReport: async (id, ...rest) => published(id, await store.applyReport(id, ...rest)),
  };
}
