/**
 * POST /v1/admin/carriers/{carrierId}/test (catalogue function admin-carrier-tests): an operator's
 * test send through one carrier. Its own function because storing and submitting a message takes
 * grants (messages, SMS queues, SMS voice, the field key) the other carrier routes must not have,
 * and because the scheduled carrier-test-sends function must stay off the API: only functions off
 * the API learn the public API URL (lib/textgate-stack.ts), which carriers without a stored dlrUrl
 * need for their delivery reports.
 */
import { operatorCall } from "../../admin/operator-call.ts";
import { dynamoAuditLog } from "../../audit/store.ts";
import { dispatchDeps } from "../../dispatch/handler.ts";
import { dispatchMessage } from "../../dispatch/service.ts";
import { acceptMessage, defaultMessagingDeps } from "../../messages/service.ts";
import { systemClock } from "../../shared/clock.ts";
import { httpHandler, route } from "../../shared/http.ts";
import { readCarrierRoutes } from "../store.ts";
import { carrierParams, testSendBody, testSendView } from "./schemas.ts";
import { sendOperatorTestMessage } from "./test-send.ts";

export const handler = httpHandler({
  "POST /v1/admin/carriers/{carrierId}/test": route({
    params: carrierParams,
    body: testSendBody,
    responses: { 200: testSendView },
    problems: ["unprocessable-entity"],
    run: async (request) => {
      const { reason, ...input } = request.body;
      // Stored without queueing, then submitted at once through exactly the pinned route.
      const messaging = { ...defaultMessagingDeps(), queue: { enqueue: async () => {} } };
      const body = await sendOperatorTestMessage(
        request.params.carrierId,
        input,
        operatorCall(request, reason),
        {
          accept: async (message) => (await acceptMessage({ ...message, priority: "normal" }, messaging)).id,
          dispatchThrough: (messageId, pinned) =>
            dispatchMessage(
              { messageId, receiveCount: 1, maxReceiveCount: 1 },
              { ...dispatchDeps(), routes: async () => [pinned] },
            ),
          now: () => new Date(),
          routes: readCarrierRoutes,
          audit: dynamoAuditLog(systemClock),
        },
      );
      return { status: 200, body };
    },
  }),
});
