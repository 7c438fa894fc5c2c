import { listUsers } from "../identity/users-store.ts";
import { logger } from "../shared/logger.ts";
import type { Mailer } from "../shared/mail.ts";
import type { OwnerNotifier } from "./ports.ts";

const reasons = {
  gone: "it answered 410 Gone",
  failing: "every delivery to it has failed for a day",
} as const;

/**
 * Emails the account's active owners when the sender disables one of their endpoints (the audit
 * event is written either way). Mail trouble is logged, never fatal: the endpoint stays disabled.
 */
export function mailOwnerNotifier(mailer: Mailer): OwnerNotifier {
  return {
    async endpointDisabled(endpoint, reason) {
      try {
        const owners = (await listUsers(endpoint.accountId)).filter(
          (user) => user.role === "owner" && user.status === "active",
        );
        for (const owner of owners) {
          await mailer.send({
            to: owner.email,
            subject: "Textgate: a webhook endpoint was disabled",
            text: [
              `Webhook ${endpoint.id} (${endpoint.url}) was disabled because ${reasons[reason]}.`,
              'Fix the receiver, then enable it again with PATCH /v1/account/webhooks/{id} {"enabled": true}.',
              "Its delivery history: GET /v1/account/webhooks/{id}/deliveries.",
            ].join("\n"),
          });
        }
      } catch (error) {
        logger.warn("webhook owner notification failed", { webhookId: endpoint.id, error: error as Error });
      }
    },
  };
}
