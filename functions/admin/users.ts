import { auditInput, operatorActor } from "../audit/context.ts";
import { revokeUserSessions } from "../identity/sessions-store.ts";
import { unlockUser } from "../identity/unlock.ts";
import { getUser, toUserView, type UserView, updateUser } from "../identity/users-store.ts";
import { DomainError } from "../shared/problem.ts";
import type { AdminDeps, OperatorCall } from "./ports.ts";
import { OPERATOR_LOG, recordOperatorAction } from "./service.ts";

/** User rescue for the operator plane: unlock, and resetting second factors (with a reason). */

export async function unlockUserAsOperator(
  target: { accountId: string; userId: string },
  call: OperatorCall,
  deps: AdminDeps,
): Promise<UserView> {
  // unlockUser writes the account's audit event (actor operator); the operator log gets its copy here.
  const user = await unlockUser(target, operatorActor(call.arn), call, deps);
  await deps.audit.record(
    auditInput(operatorActor(call.arn), call, {
      accountId: OPERATOR_LOG,
      action: "user.unlocked",
      target: { type: "user", id: user.userId },
      details: { accountId: target.accountId, ...(call.reason ? { reason: call.reason } : {}) },
    }),
  );
  return toUserView(user);
}

/**
 * Removes every second factor and the recovery codes, and ends the user's sessions: the person
 * who lost their factors signs in with the password alone and enrols again. Needs a reason: it
 * lowers the account's protection, so its audit trail says why.
 */
export async function resetSecondFactors(
  target: { accountId: string; userId: string },
  call: OperatorCall & { reason: string },
  deps: AdminDeps,
): Promise<UserView> {
  const user = await getUser(target.accountId, target.userId);
  if (!user) throw new DomainError("not-found", "No such user in this account");
  // totpLastStep stays: it keeps refusing codes already used if the same app is enrolled again.
  await updateUser(user.accountId, user.userId, {
    totpEnabled: undefined,
    totpSecret: undefined,
    totpPendingSecret: undefined,
    smsEnabled: undefined,
    smsPhone: undefined,
    smsPhoneMasked: undefined,
    smsPendingPhone: undefined,
    smsPendingVerificationId: undefined,
    recoveryCodes: undefined,
  });
  await revokeUserSessions(user.accountId, user.userId, "mfa-reset");
  await recordOperatorAction(
    {
      accountId: user.accountId,
      action: "mfa.reset",
      outcome: "success",
      target: { type: "user", id: user.userId },
      details: { hadTotp: user.totpEnabled === true, hadSms: user.smsEnabled === true },
    },
    call,
    deps,
  );
  const { totpEnabled: _t, smsEnabled: _s, recoveryCodes: _r, ...rest } = user;
  return toUserView(rest);
}
