import { principalActor, requestMetaOf } from "../audit/context.ts";
import type { AuditLog } from "../audit/port.ts";
import { dynamoAuditLog } from "../audit/store.ts";
import { requireLiveCaller } from "../identity/live-principal.ts";
import { systemClock } from "../shared/clock.ts";
import { httpHandler, route } from "../shared/http.ts";
import { type CreatedBy, createdByOf } from "../shared/principal.ts";
import { dynamoDailyMessageQuota } from "./daily-limit.ts";
import { type SendMessageBody, sendMessageBody, sendMessageResponse } from "./schemas.ts";
import { acceptMessageOnce } from "./send-once.ts";
import { auditPolicyRefusal } from "./send-refusals.ts";
import {
  type AcceptMessageInput,
  acceptMessage,
  defaultMessagingDeps,
  type MessagingDeps,
} from "./service.ts";

let deps: (MessagingDeps & { readonly audit: AuditLog }) | undefined;
const messagingDeps = () => {
  // The operator-set messagesPerDay applies to the send API (reserved before each message is stored).
  deps ??= {
    ...defaultMessagingDeps(),
    dailyQuota: dynamoDailyMessageQuota(systemClock),
    audit: dynamoAuditLog(systemClock),
  };
  return deps;
};

const inputOf = (accountId: string, createdBy: CreatedBy, body: SendMessageBody): AcceptMessageInput => ({
  accountId,
  createdBy,
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
    run: async (request) => {
      const { body, idempotencyKey } = request;
      // Spends money: a user token must still have a live session now, not 30 s ago.
      const principal = await requireLiveCaller(request.principal, "messages:send", systemClock);
      const input = inputOf(principal.accountId, createdByOf(principal), body);
      const caller = {
        accountId: principal.accountId,
        actor: principalActor(principal),
        meta: requestMetaOf(request),
      };
      return auditPolicyRefusal(
        async () => {
          if (!idempotencyKey) return { status: 202, body: await acceptMessage(input, messagingDeps()) };
          // The key is bound to the message in the same write as the message (send-once.ts).
          const { result, replayed } = await acceptMessageOnce(input, idempotencyKey, messagingDeps());
          const headers: Record<string, string> = replayed ? { "Idempotent-Replayed": "true" } : {};
          return { status: 202, body: result, headers };
        },
        caller,
        messagingDeps().audit,
      );
    },
  }),
});
