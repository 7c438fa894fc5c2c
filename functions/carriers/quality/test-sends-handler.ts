/**
 * Scheduled (catalogue schedule carrier-test-sends): proactive test messages per carrier. The
 * message is stored like a customer's (encrypted, retention of the probe account) and dispatched at
 * once through the pinned route with the dispatcher's own use case and store, so the quality figures
 * record it exactly as they record customer traffic.
 */
import type { Context } from "aws-lambda";
import { dispatchDeps } from "../../dispatch/handler.ts";
import { dispatchMessage } from "../../dispatch/service.ts";
import { acceptMessage, defaultMessagingDeps } from "../../messages/service.ts";
import { logger } from "../../shared/logger.ts";
import { listCarrierRoutes } from "../store.ts";
import { sendCarrierTestMessages, type TestSendResult } from "./test-sends.ts";

export const handler = async (_event: unknown, context?: Context): Promise<TestSendResult[]> => {
  if (context) logger.addContext(context);
  const messaging = { ...defaultMessagingDeps(), queue: { enqueue: async () => {} } };
  const results = await sendCarrierTestMessages({
    routes: listCarrierRoutes,
    accept: async (input) => (await acceptMessage({ ...input, priority: "normal" }, messaging)).id,
    dispatchThrough: (messageId, route) =>
      dispatchMessage(
        { messageId, receiveCount: 1, maxReceiveCount: 1 },
        { ...dispatchDeps(), routes: async () => [route] },
      ),
    now: () => new Date(),
  });
  logger.info("carrier test sends", {
    sent: results.length,
    failed: results.filter((result) => result.outcome === "error").length,
  });
  return results;
};
