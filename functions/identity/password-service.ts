import { auditInput, type RequestMeta, userActor } from "../audit/context.ts";
import type { AuditLog } from "../audit/port.ts";
import type { Clock } from "../shared/clock.ts";
import { DomainError } from "../shared/problem.ts";
import type { RateLimiter } from "../shared/rate-limit.ts";
import { forgetSession } from "./access-token.ts";
import type { FailureTracker } from "./brute-force.ts";
import type { UserPrincipal } from "./live-principal.ts";
import { checkPassword } from "./password-policy.ts";
import { hashPassword } from "./passwords.ts";
import { provePassword } from "./reauth.ts";
import { revokeUserSessions } from "./sessions-store.ts";
import { weakPassword } from "./users-service.ts";
import { getAccount, getUser, hasSecondFactor, updateUser } from "./users-store.ts";

/**
 * Password change by the signed-in user. The current password is required (a stolen access token
 * alone cannot take the account over); each guess is reserved against a per-user and a per-IP
 * back-off before it is checked (provePassword), so parallel guesses count like sequential ones.
 * The 8-character minimum applies only to users who have a second factor.
 * Every other session of the user ends.
 */
export interface PasswordDeps {
  readonly clock: Clock;
  readonly audit: AuditLog;
  readonly failures: FailureTracker;
  readonly limiter: RateLimiter;
}

export async function changePassword(
  input: { currentPassword: string; newPassword: string },
  principal: UserPrincipal,
  meta: RequestMeta,
  deps: PasswordDeps,
): Promise<{ changed: true; sessionsEnded: number }> {
  const user = await getUser(principal.accountId, principal.principalId);
  if (user?.status !== "active") throw new DomainError("unauthorized");
  if (!(await provePassword(user, input.currentPassword, meta, deps))) {
    throw new DomainError("forbidden", "The current password is not correct");
  }
  const account = await getAccount(user.accountId);
  const verdict = await checkPassword(input.newPassword, {
    email: user.email,
    ...(account ? { accountName: account.name } : {}),
    hasSecondFactor: hasSecondFactor(user),
  });
  if (!verdict.ok) throw weakPassword(verdict.reasons, verdict.feedback);
  await updateUser(user.accountId, user.userId, { passwordHash: await hashPassword(input.newPassword) });
  const ended = await revokeUserSessions(
    user.accountId,
    user.userId,
    "password-changed",
    principal.sessionId,
  );
  for (const sessionId of ended) forgetSession(sessionId);
  await deps.audit.record(
    auditInput(userActor(user.userId), meta, {
      accountId: user.accountId,
      action: "user.password.changed",
      target: { type: "user", id: user.userId },
      details: { otherSessionsEnded: ended.length },
    }),
  );
  return { changed: true, sessionsEnded: ended.length };
}
