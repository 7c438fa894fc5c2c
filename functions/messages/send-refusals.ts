import { type AuditActor, auditInput, type RequestMeta } from "../audit/context.ts";
import type { AuditLog } from "../audit/port.ts";
import { DestinationNotAllowed } from "./service.ts";

/**
 * What of the send API is audited: a send the account's own policy refused (`message.blocked`, a
 * 7-day event naming the country, never the number or the text). Accepted sends are not audited:
 * they are thousands a minute, and the message record with its status history is their trail.
 */
export async function auditPolicyRefusal<T>(
  send: () => Promise<T>,
  caller: { readonly accountId: string; readonly actor: AuditActor; readonly meta: RequestMeta },
  audit: AuditLog,
): Promise<T> {
  try {
    return await send();
  } catch (error) {
    if (error instanceof DestinationNotAllowed) {
      await audit.record(
        auditInput(caller.actor, caller.meta, {
          accountId: caller.accountId,
          action: "message.blocked",
          outcome: "blocked",
          class: "short",
          details: { reason: "country-not-allowed", country: error.country },
        }),
      );
    }
    throw error;
  }
}
