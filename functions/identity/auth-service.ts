import { randomBytes } from "node:crypto";
import type { AuditEventInput, AuditLog } from "../audit/port.ts";
import type { Clock } from "../shared/clock.ts";
import type { FieldCipher } from "../shared/crypto.ts";
import { logger } from "../shared/logger.ts";
import { DomainError } from "../shared/problem.ts";
import type { RateLimiter } from "../shared/rate-limit.ts";
import type { Hasher } from "../shared/secrets.ts";
import { forgetSession } from "./access-token.ts";
import {
  assertIpRate,
  assertNotBackingOff,
  backoffRules,
  type FailureTracker,
  ipRateRules,
  LOCKOUT_THRESHOLD,
} from "./brute-force.ts";
import {
  attachVerification,
  consumeChallenge,
  createChallenge,
  getChallenge,
  type MfaMethod,
  recordChallengeFailure,
  reserveChallengeSms,
} from "./challenges.ts";
import { looksLikeRecoveryCode, matchTotp, normalizeRecoveryCode } from "./mfa.ts";
import type { SmsOtp } from "./mfa-sms.ts";
import { hashPassword, needsRehash, verifyPassword } from "./passwords.ts";
import { revokeSession } from "./sessions-store.ts";
import type { TokenSigner } from "./signing.ts";
import { refreshSession, startSession, type TokenPair } from "./tokens.ts";
import {
  claimTotpStep,
  consumeRecoveryCode,
  getUser,
  getUserByEmail,
  hasSecondFactor,
  type UserRecord,
  updateUser,
} from "./users-store.ts";

/** Login, second factor, refresh and logout use cases. */
export interface AuthDeps {
  readonly clock: Clock;
  readonly audit: AuditLog;
  readonly limiter: RateLimiter;
  readonly failures: FailureTracker;
  readonly hasher: Hasher;
  readonly cipher: FieldCipher;
  readonly signer: TokenSigner;
  readonly sms: SmsOtp;
}

export interface RequestMeta {
  readonly sourceIp: string;
  readonly requestId: string;
}

export type LoginResult =
  | TokenPair
  | {
      readonly mfaRequired: true;
      readonly challengeId: string;
      readonly methods: MfaMethod[];
      readonly expiresAt: string;
    };

const invalidCredentials = () => new DomainError("unauthorized", "Invalid email or password");
const lockedOut = () =>
  new DomainError(
    "forbidden",
    "Sign-in is locked after too many failed attempts; ask an administrator to reset it",
  );

// Unknown emails are checked against this hash so they cost the same scrypt work as real ones.
let dummyHash: Promise<string> | undefined;
const dummyPasswordHash = (): Promise<string> => {
  dummyHash ??= hashPassword(randomBytes(18).toString("base64url"));
  return dummyHash;
};

const userActor = (user: UserRecord) => ({ type: "user" as const, id: user.userId });

async function auditLoginFailure(
  user: UserRecord,
  details: AuditEventInput["details"],
  meta: RequestMeta,
  deps: Pick<AuthDeps, "audit">,
): Promise<void> {
  await deps.audit.record({
    accountId: user.accountId,
    action: "auth.login.failed",
    actor: userActor(user),
    outcome: "failure",
    sourceIp: meta.sourceIp,
    requestId: meta.requestId,
    details,
  });
}

function methodsOf(user: UserRecord): MfaMethod[] {
  const methods: MfaMethod[] = [];
  if (user.totpEnabled) methods.push("totp");
  if (user.smsEnabled) methods.push("sms");
  if (user.recoveryCodes && user.recoveryCodes.size > 0) methods.push("recovery");
  return methods;
}

export async function login(
  input: { email: string; password: string },
  meta: RequestMeta,
  deps: AuthDeps,
): Promise<LoginResult> {
  const email = input.email.trim().toLowerCase();
  await assertIpRate(deps.limiter, ipRateRules.login, meta.sourceIp);
  await assertNotBackingOff(
    deps.failures,
    [
      [backoffRules.loginEmail, email],
      [backoffRules.loginIp, meta.sourceIp],
    ],
    ([emailState]) => {
      // Known or unknown email alike, so the lockout answer reveals nothing either.
      if ((emailState?.failures ?? 0) >= LOCKOUT_THRESHOLD) throw lockedOut();
    },
  );

  const user = await getUserByEmail(email);
  const passwordOk = await verifyPassword(input.password, user?.passwordHash ?? (await dummyPasswordHash()));
  if (user?.status === "locked") throw lockedOut();
  if (!user || !passwordOk || user.status !== "active") {
    await recordLoginFailure(email, user, meta, deps);
    throw invalidCredentials();
  }
  await deps.failures.reset(backoffRules.loginEmail, email);
  if (needsRehash(user.passwordHash)) {
    // Parameters were raised since this hash was made: upgrade it while we hold the password.
    await updateUser(user.accountId, user.userId, { passwordHash: await hashPassword(input.password) });
  }
  if (hasSecondFactor(user)) {
    const methods = methodsOf(user);
    const { challengeId, expiresAt } = await createChallenge(
      { accountId: user.accountId, userId: user.userId, methods },
      deps.clock.now(),
    );
    return { mfaRequired: true, challengeId, methods, expiresAt: new Date(expiresAt * 1000).toISOString() };
  }
  return signIn(user, "password", meta, deps);
}

/** The last step of every successful sign-in: a new session, audited, tokens for the client. */
async function signIn(
  user: UserRecord,
  method: "password" | MfaMethod,
  meta: RequestMeta,
  deps: AuthDeps,
): Promise<TokenPair> {
  const pair = await startSession(user, deps);
  await deps.audit.record({
    accountId: user.accountId,
    action: "auth.login",
    actor: userActor(user),
    outcome: "success",
    sourceIp: meta.sourceIp,
    requestId: meta.requestId,
    details: { method, sessionId: pair.sessionId },
  });
  const { sessionId: _sessionId, ...tokens } = pair;
  return tokens;
}

async function recordLoginFailure(
  email: string,
  user: UserRecord | undefined,
  meta: RequestMeta,
  deps: AuthDeps,
): Promise<void> {
  const [failures] = await Promise.all([
    deps.failures.recordFailure(backoffRules.loginEmail, email),
    deps.failures.recordFailure(backoffRules.loginIp, meta.sourceIp),
  ]);
  logger.info("login failed", { knownUser: user !== undefined, failures });
  if (!user) return;
  await auditLoginFailure(user, { stage: "password", consecutiveFailures: failures }, meta, deps);
  if (failures >= LOCKOUT_THRESHOLD && user.status === "active") {
    await updateUser(user.accountId, user.userId, { status: "locked" });
    await deps.audit.record({
      accountId: user.accountId,
      action: "user.locked",
      actor: { type: "system", id: "brute-force-guard" },
      outcome: "blocked",
      target: { type: "user", id: user.userId },
      sourceIp: meta.sourceIp,
      requestId: meta.requestId,
      details: { consecutiveFailures: failures },
    });
  }
}

const invalidChallenge = () =>
  new DomainError("unauthorized", "The sign-in challenge is invalid or expired; sign in again");

/** Sends an SMS code for a pending challenge (only when the user has SMS enabled). */
export async function sendMfaSms(
  input: { challengeId: string },
  meta: RequestMeta,
  deps: AuthDeps,
): Promise<{ sent: true }> {
  await assertIpRate(deps.limiter, ipRateRules.mfa, meta.sourceIp);
  const challenge = await getChallenge(input.challengeId, deps.clock.now());
  if (!challenge) throw invalidChallenge();
  const user = await getUser(challenge.accountId, challenge.userId);
  if (user?.status !== "active" || !user.smsEnabled || !user.smsPhone) {
    throw new DomainError("conflict", "SMS codes are not enabled for this user");
  }
  if (!(await reserveChallengeSms(input.challengeId))) throw invalidChallenge();
  const phone = await deps.cipher.decrypt(user.smsPhone, {
    accountId: user.accountId,
    userId: user.userId,
    field: "mfa-phone",
  });
  const { verificationId } = await deps.sms.start({
    accountId: user.accountId,
    userId: user.userId,
    sourceIp: meta.sourceIp,
    phone,
    requestId: meta.requestId,
  });
  await attachVerification(input.challengeId, verificationId);
  return { sent: true };
}

async function checkFactor(
  user: UserRecord,
  method: MfaMethod,
  code: string,
  verificationId: string | undefined,
  meta: RequestMeta,
  deps: AuthDeps,
): Promise<boolean> {
  switch (method) {
    case "totp": {
      if (!user.totpEnabled || !user.totpSecret) return false;
      const secret = await deps.cipher.decrypt(user.totpSecret, {
        accountId: user.accountId,
        userId: user.userId,
        field: "totp",
      });
      const step = matchTotp(secret, code, deps.clock.now());
      return step !== undefined && (await claimTotpStep(user.accountId, user.userId, step));
    }
    case "sms":
      if (!user.smsEnabled || !verificationId) return false;
      return deps.sms.check({ accountId: user.accountId, verificationId, code, requestId: meta.requestId });
    case "recovery":
      if (!looksLikeRecoveryCode(code)) return false;
      return consumeRecoveryCode(
        user.accountId,
        user.userId,
        await deps.hasher.hmac("recovery-code", normalizeRecoveryCode(code)),
      );
  }
}

export async function completeMfa(
  input: { challengeId: string; code: string; method?: MfaMethod | undefined },
  meta: RequestMeta,
  deps: AuthDeps,
): Promise<TokenPair> {
  await assertIpRate(deps.limiter, ipRateRules.mfa, meta.sourceIp);
  const challenge = await getChallenge(input.challengeId, deps.clock.now());
  if (!challenge) throw invalidChallenge();
  await assertNotBackingOff(deps.failures, [
    [backoffRules.mfaUser, challenge.userId],
    [backoffRules.mfaIp, meta.sourceIp],
  ]);
  const user = await getUser(challenge.accountId, challenge.userId);
  if (user?.status !== "active") throw invalidChallenge();
  const method: MfaMethod =
    input.method ?? (looksLikeRecoveryCode(input.code) ? "recovery" : user.totpEnabled ? "totp" : "sms");
  const ok = await checkFactor(user, method, input.code, challenge.verificationId, meta, deps);
  if (!ok) {
    await Promise.all([
      recordChallengeFailure(input.challengeId),
      deps.failures.recordFailure(backoffRules.mfaUser, user.userId),
      deps.failures.recordFailure(backoffRules.mfaIp, meta.sourceIp),
    ]);
    await auditLoginFailure(user, { stage: "mfa", method }, meta, deps);
    throw new DomainError("unauthorized", "The code is not valid");
  }
  // The challenge is single use: a racing duplicate request loses here and gets no tokens.
  if (!(await consumeChallenge(input.challengeId))) throw invalidChallenge();
  await deps.failures.reset(backoffRules.mfaUser, user.userId);
  return signIn(user, method, meta, deps);
}

export async function refresh(
  input: { refreshToken: string },
  meta: RequestMeta,
  deps: AuthDeps,
): Promise<TokenPair> {
  await assertIpRate(deps.limiter, ipRateRules.refresh, meta.sourceIp);
  await assertNotBackingOff(deps.failures, [[backoffRules.refreshIp, meta.sourceIp]]);
  const result = await refreshSession(input.refreshToken, getUser, deps);
  if (result.kind === "rotated") return result.pair;
  await deps.failures.recordFailure(backoffRules.refreshIp, meta.sourceIp);
  if (result.kind === "reused") {
    forgetSession(result.sessionId);
    await deps.audit.record({
      accountId: result.accountId,
      action: "auth.session.revoked",
      actor: { type: "system", id: "refresh-reuse-detector" },
      outcome: "blocked",
      target: { type: "session", id: result.sessionId },
      sourceIp: meta.sourceIp,
      requestId: meta.requestId,
      details: { reason: "refresh-token-reuse", userId: result.userId },
    });
  }
  throw new DomainError("unauthorized", "The refresh token is invalid, expired or already used");
}

export async function logout(
  principal: { accountId: string; principalId: string; sessionId?: string | undefined },
  meta: RequestMeta,
  deps: Pick<AuthDeps, "audit">,
): Promise<void> {
  if (!principal.sessionId) throw new DomainError("forbidden", "Only a signed-in user session can log out");
  await revokeSession(principal.accountId, principal.sessionId, "logout");
  forgetSession(principal.sessionId);
  await deps.audit.record({
    accountId: principal.accountId,
    action: "auth.logout",
    actor: { type: "user", id: principal.principalId },
    outcome: "success",
    target: { type: "session", id: principal.sessionId },
    sourceIp: meta.sourceIp,
    requestId: meta.requestId,
  });
}
