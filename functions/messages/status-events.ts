import { logger } from "../shared/logger.ts";
import { messageEvent, sqsWebhookPublisher, type WebhookEventPublisher } from "../webhooks/publish.ts";
import type { MessageStateStore } from "./state-store.ts";
import type { MessageStatus } from "./status.ts";

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
  // Publishes only when the stored status is the one this write moved to: markSent also "succeeds"
  // when a DLR overtook the dispatcher (it fills in sentAt only), and that is no new status.
  const published = async (id: string, moved: boolean, to: MessageStatus): Promise<boolean> => {
    if (!moved) return moved;
    const message = await store.get(id);
    if (!message) {
      logger.warn("status changed but message not found for its webhook event", { messageId: id });
      return moved;
    }
    const event = message.status === to ? messageEvent(message, now()) : undefined;
    if (event) await publisher.publish(message.accountId, event, message.callbackUrl);
    return moved;
  };
  return {
    ...store,
    markSent: async (id, ...rest) => published(id, await store.markSent(id, ...rest), "sent"),
    finish: async (id, to, ...rest) => published(id, await store.finish(id, to, ...rest), to),
    applyReport: async (id, report) => published(id, await store.applyReport(id, report), report.status),
  };
}
