import { TERMINAL } from "../messages/status.ts";
import { type DispatchDeps, failMessage, RetryLaterError, reconcileExpiredLease } from "./service.ts";

/**
 * Settles a message whose SQS record reached the DLQ: the dispatcher crashed or timed out on every
 * receive, so nothing else will ever move it, and a customer polling it must learn the truth. It
 * never claims "sent" without the carrier confirming it, and never resubmits (that is a redrive's
 * job, by an operator). Every write is conditional: a DLR or dispatcher that got there first wins.
 *
 *   gone / sent or beyond → nothing to do
 *   submitting            → ask the carrier of the dead attempt (the dispatcher's step 3):
 *                           it has it → sent; it does not → failed
 *   queued / scheduled    → failed (no attempt ever reached a carrier)
 */
export type DeadLetterDeps = Pick<DispatchDeps, "store" | "routes" | "adapterFor" | "clock">;

export type DeadLetterOutcome = "gone" | "done-already" | "reconciled" | "failed";

export const dispatchFailed = {
  code: "dispatch-failed",
  reason: "could not be handed to a carrier after repeated attempts",
} as const;

export async function settleDeadLetter(messageId: string, deps: DeadLetterDeps): Promise<DeadLetterOutcome> {
  const message = await deps.store.get(messageId);
  if (!message) return "gone";
  if (message.status === "sent" || TERMINAL.has(message.status)) return "done-already";
  if (message.status === "submitting") {
    // Throws RetryLaterError while the attempt's lease is live or the carrier cannot answer.
    const reconciliation = await reconcileExpiredLease(message, deps);
    if (reconciliation.outcome !== "not-found") return reconciliation.outcome;
    // Only if that dead attempt's lease is still the one on the item.
    if (await failMessage(message, dispatchFailed, deps, reconciliation.lease.id)) return "failed";
    return afterLostRace(messageId, deps);
  }
  if (await failMessage(message, dispatchFailed, deps, undefined, ["queued", "scheduled"])) return "failed";
  return afterLostRace(messageId, deps);
}

/** The conditional write lost: done if someone settled it, else leave the record for a later look. */
async function afterLostRace(messageId: string, deps: DeadLetterDeps): Promise<DeadLetterOutcome> {
  const current = await deps.store.get(messageId);
  if (!current) return "gone";
  if (current.status === "sent" || TERMINAL.has(current.status)) return "done-already";
  throw new RetryLaterError("message moved while settling its dead letter");
}
