import { type AuditActor, auditInput, type RequestMeta } from "../audit/context.ts";
import type { AuditLog } from "../audit/port.ts";
import { DomainError } from "../shared/problem.ts";
import { backoffRules, type FailureTracker } from "./brute-force.ts";
import { getUser, type UserRecord, updateUser } from "./users-store.ts";

/**
 * Unlock: clears every guessing back-off that keeps a user out (sign-in from unproven sources, the
 * second factor, current-password proofs) and the "locked" status older versions set after 100
 * failures. Back-off is bounded anyway (15 minutes at most); this is the way back at once, for an
 * account administrator (PATCH status=active) and for operators (the operator plane calls this).
 */
export interface UnlockDeps {
  readonly failures: FailureTracker;
  readonly audit: AuditLog;
}

export async function unlockUser(
  target: { accountId: string; userId: string },
  actor: AuditActor,
  meta: Partial<RequestMeta>,
  deps: UnlockDeps,
): Promise<UserRecord> {
  const user = await getUser(target.accountId, target.userId);
  if (!user) throw new DomainError("not-found", "No such user in this account");
  await Promise.all([
    deps.failures.reset(backoffRules.loginEmail, user.email),
    deps.failures.reset(backoffRules.mfaUser, user.userId),
    deps.failures.reset(backoffRules.passwordProofUser, user.userId),
  ]);
  const wasLocked = user.status === "locked";
  // Only a locked user becomes active: an unlock never re-enables a disabled user.
  if (wasLocked) {
    await updateUser(
      user.accountId,
      user.userId,
      { status: "active" },
      {
        expression: "#status = :locked",
        values: { ":locked": "locked" },
        names: { "#status": "status" },
      },
    );
  }
  await deps.audit.record(
    auditInput(actor, meta, {
      accountId: user.accountId,
      action: "user.unlocked",
      target: { type: "user", id: user.userId },
      details: { wasLocked },
    }),
  );
  return wasLocked ? { ...user, status: "active" } : user;
}
