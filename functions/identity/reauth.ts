import { auditInput, auditRateLimitBlock, type RequestMeta, userActor } from "../audit/context.ts";
import { epochSeconds } from "../shared/clock.ts";
import { DomainError } from "../shared/problem.ts";
import { type AuthDeps, checkFactor } from "./auth-service.ts";
import { assertIpRate, backoffRules, ipRateRules, reserveAttempt } from "./brute-force.ts";
import type { MfaMethod } from "./challenges.ts";
import type { UserPrincipal } from "./live-principal.ts";
import { verifyPassword } from "./passwords.ts";
import { getSession, markSessionReauthenticated } from "./sessions-store.ts";
import { getUser, hasSecondFactor, type UserRecord } from "./users-store.ts";

/**
 * Step-up re-authentication. Changing a second factor needs a proof made within the last
 * REAUTH_MAX_AGE_SECONDS: the sign-in itself (password + second factor) or POST /v1/account/reauth
 * with the current password or a current TOTP/recovery code. A stolen access token alone can then
 * neither swap the SMS phone, nor remove a factor, nor mint new recovery codes.
 * Every proof is reserved against the same guessing counters as sign-in before it is checked.
 */
export const REAUTH_MAX_AGE_SECONDS = 5 * 60;
export const REAUTH_PATH = "/v1/account/reauth";

type ProofDeps = Pick<AuthDeps, "clock" | "limiter" | "failures" | "audit" | "hasher" | "cipher" | "sms">;

/** The audit of a throttled proof: the signed-in user is both the actor and the throttled subject. */
const proofThrottled = (
  user: UserRecord,
  limit: string,
  meta: RequestMeta,
  deps: Pick<AuthDeps, "audit">,
) => ({
  audit: deps.audit,
  accountId: user.accountId,
  limit,
  actor: userActor(user.userId),
  meta,
  target: { type: "user", id: user.userId },
});

/** The current password, checked like a sign-in: per-user and per-IP back-off, reserved first. */
export async function provePassword(
  user: UserRecord,
  password: string,
  meta: RequestMeta,
  deps: Pick<AuthDeps, "limiter" | "failures" | "audit">,
): Promise<boolean> {
  await auditRateLimitBlock(
    async () => {
      await assertIpRate(deps.limiter, ipRateRules.passwordProof, meta.sourceIp);
      await reserveAttempt(deps.failures, [
        [backoffRules.passwordProofIp, meta.sourceIp],
        [backoffRules.passwordProofUser, user.userId],
      ]);
    },
    proofThrottled(user, "password.proof", meta, deps),
  );
  if (!(await verifyPassword(password, user.passwordHash))) return false;
  await Promise.all([
    deps.failures.reset(backoffRules.passwordProofUser, user.userId),
    deps.failures.release(backoffRules.passwordProofIp, meta.sourceIp),
  ]);
  return true;
}

/** A current TOTP or recovery code, counted against the user's second-factor back-off. */
async function proveSecondFactor(
  user: UserRecord,
  code: string,
  method: Exclude<MfaMethod, "sms">,
  meta: RequestMeta,
  deps: ProofDeps,
): Promise<boolean> {
  await auditRateLimitBlock(
    async () => {
      await assertIpRate(deps.limiter, ipRateRules.mfa, meta.sourceIp);
      await reserveAttempt(deps.failures, [
        [backoffRules.mfaIp, meta.sourceIp],
        [backoffRules.mfaUser, user.userId],
      ]);
    },
    proofThrottled(user, "mfa.proof", meta, deps),
  );
  if (!(await checkFactor(user, method, code, undefined, meta, deps))) return false;
  await Promise.all([
    deps.failures.reset(backoffRules.mfaUser, user.userId),
    deps.failures.release(backoffRules.mfaIp, meta.sourceIp),
  ]);
  return true;
}

export type ReauthProof =
  | { readonly password: string }
  | { readonly code: string; readonly method?: "totp" | "recovery" | undefined };

export async function reauthenticate(
  proof: ReauthProof,
  principal: UserPrincipal,
  meta: RequestMeta,
  deps: ProofDeps,
): Promise<{ reauthenticatedAt: string; freshUntil: string }> {
  const user = await getUser(principal.accountId, principal.principalId);
  if (user?.status !== "active") throw new DomainError("unauthorized");
  let method: "password" | "totp" | "recovery";
  let ok: boolean;
  if ("password" in proof) {
    method = "password";
    ok = await provePassword(user, proof.password, meta, deps);
  } else {
    if (!hasSecondFactor(user))
      throw new DomainError("conflict", "No second factor is enrolled; use the password");
    method = proof.method ?? (user.totpEnabled && /^\d{6}$/.test(proof.code) ? "totp" : "recovery");
    ok = await proveSecondFactor(user, proof.code, method, meta, deps);
  }
  const at = deps.clock.now();
  await deps.audit.record(
    auditInput(userActor(user.userId), meta, {
      accountId: user.accountId,
      action: "auth.reauthenticated",
      outcome: ok ? "success" : "failure",
      target: { type: "session", id: principal.sessionId },
      details: { method },
    }),
  );
  if (!ok) throw new DomainError("forbidden", "The password or code is not correct");
  await markSessionReauthenticated(user.accountId, principal.sessionId, at);
  return {
    reauthenticatedAt: at.toISOString(),
    freshUntil: new Date(at.getTime() + REAUTH_MAX_AGE_SECONDS * 1000).toISOString(),
  };
}

/** 403 reauthentication-required unless the session's last proof is at most a few minutes old. */
export async function assertRecentlyAuthenticated(
  principal: UserPrincipal,
  deps: Pick<AuthDeps, "clock">,
): Promise<void> {
  const now = deps.clock.now();
  const session = await getSession(principal.accountId, principal.sessionId, now);
  if (session?.status !== "active")
    throw new DomainError("unauthorized", "The session has ended; sign in again");
  // The sign-in that created the session is itself a full proof (password and second factor).
  const proofs = [session.createdAt, session.reauthAt].filter((at): at is string => at !== undefined);
  const lastProof = Math.max(...proofs.map((at) => epochSeconds(new Date(at))));
  if (epochSeconds(now) - lastProof <= REAUTH_MAX_AGE_SECONDS) return;
  throw new DomainError(
    "reauthentication-required",
    `Confirm your password or a second-factor code at ${REAUTH_PATH}, then retry within ${REAUTH_MAX_AGE_SECONDS / 60} minutes`,
    { reauthUrl: REAUTH_PATH, maxAgeSeconds: REAUTH_MAX_AGE_SECONDS },
  );
}
