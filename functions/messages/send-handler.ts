import { requireLiveCaller } from "../identity/live-principal.ts";
import { systemClock } from "../shared/clock.ts";
import { httpHandler, route } from "../shared/http.ts";
import { dynamoDailyMessageQuota } from "./daily-limit.ts";
import { type SendMessageBody, sendMessageBody, sendMessageResponse } from "./schemas.ts";
import { acceptMessageOnce } from "./send-once.ts";
import {
  type AcceptMessageInput,
  acceptMessage,
  defaultMessagingDeps,
  type MessagingDeps,
} from "./service.ts";

let deps: MessagingDeps | undefined;
const messagingDeps = (): MessagingDeps => {
  // The operator-set messagesPerDay applies to the send API (reserved before each message is stored).
  deps ??= { ...defaultMessagingDeps(), dailyQuota: dynamoDailyMessageQuota(systemClock) };
  return deps;
};

const inputOf = (accountId: string, body: SendMessageBody): AcceptMessageInput => ({
  accountId,
  to: body.to.e164,
  text: body.text,
  priority: body.priority,
  ...(body.from ? { from: body.from } : {}),
  ...(body.validitySeconds ? { validitySeconds: body.validitySeconds } : {}),
  ...(body.callbackUrl ? { callbackUrl: body.callbackUrl } : {}),
  ...(body.scheduleAt ? { scheduleAt: new Date(body.scheduleAt) } : {}),
});

export const handler = httpHandler({
  "POST /v1/messages": route({
    body: sendMessageBody,
    responses: { 202: sendMessageResponse },
    problems: ["daily-limit-reached"],
    run: async ({ body, principal: fromAuthorizer, idempotencyKey }) => {
      // Spends money: a user token must still have a live session now, not 30 s ago.
      const principal = await requireLiveCaller(fromAuthorizer, "messages:send", systemClock);
      const input = inputOf(principal.accountId, body);
      if (!idempotencyKey) return { status: 202, body: await acceptMessage(input, messagingDeps()) };
      // The key is bound to the message in the same write as the message (send-once.ts).
      const { result, replayed } = await acceptMessageOnce(input, idempotencyKey, messagingDeps());
      const headers: Record<string, string> = replayed ? { "Idempotent-Replayed": "true" } : {};
      return { status: 202, body: result, headers };
    },
  }),
});
