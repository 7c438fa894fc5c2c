import { httpHandler, route } from "../shared/http.ts";
import { DomainError } from "../shared/problem.ts";
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
  deps ??= defaultMessagingDeps();
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
    run: async ({ body, principal, idempotencyKey }) => {
      if (!principal) throw new DomainError("unauthorized");
      const input = inputOf(principal.accountId, body);
      if (!idempotencyKey) return { status: 202, body: await acceptMessage(input, messagingDeps()) };
      // The key is bound to the message in the same write as the message (send-once.ts).
      const { result, replayed } = await acceptMessageOnce(input, idempotencyKey, messagingDeps());
      const headers: Record<string, string> = replayed ? { "Idempotent-Replayed": "true" } : {};
      return { status: 202, body: result, headers };
    },
  }),
});
