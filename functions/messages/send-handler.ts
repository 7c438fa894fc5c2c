import { functionSpec } from "../../lib/catalog/index.ts";
import { requireLiveCaller } from "../identity/live-principal.ts";
import { systemClock } from "../shared/clock.ts";
import { httpHandler, route } from "../shared/http.ts";
import { idempotent } from "./idempotency.ts";
import { type SendMessageBody, sendMessageBody, sendMessageResponse } from "./schemas.ts";
import { type AcceptedMessage, acceptMessage, defaultMessagingDeps, type MessagingDeps } from "./service.ts";

let deps: MessagingDeps | undefined;

const send = (accountId: string, body: SendMessageBody): Promise<AcceptedMessage> => {
  deps ??= defaultMessagingDeps();
  return acceptMessage(
    {
      accountId,
      to: body.to.e164,
      text: body.text,
      priority: body.priority,
      ...(body.from ? { from: body.from } : {}),
      ...(body.validitySeconds ? { validitySeconds: body.validitySeconds } : {}),
      ...(body.callbackUrl ? { callbackUrl: body.callbackUrl } : {}),
      ...(body.scheduleAt ? { scheduleAt: new Date(body.scheduleAt) } : {}),
    },
    deps,
  );
};

const sendOnce = idempotent<SendMessageBody, AcceptedMessage>(
  "send",
  async ({ accountId, body }) => send(accountId, body),
  { functionTimeoutMs: functionSpec("send").timeoutSeconds * 1000 },
);

export const handler = httpHandler({
  "POST /v1/messages": route({
    body: sendMessageBody,
    responses: { 202: sendMessageResponse },
    run: async ({ body, principal: fromAuthorizer, idempotencyKey }) => {
      // Spends money: a user token must still have a live session now, not 30 s ago.
      const principal = await requireLiveCaller(fromAuthorizer, "messages:send", systemClock);
      if (!idempotencyKey) return { status: 202, body: await send(principal.accountId, body) };
      const { result, replayed } = await sendOnce({ accountId: principal.accountId, idempotencyKey, body });
      const headers: Record<string, string> = replayed ? { "Idempotent-Replayed": "true" } : {};
      return { status: 202, body: result, headers };
    },
  }),
});
