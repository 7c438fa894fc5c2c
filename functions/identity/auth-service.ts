import { randomBytes } from "node:crypto";
import {
  anonymousActor,
  auditInput,
  auditRateLimitBlock,
  type RequestMeta,
  systemActor,
  userActor,
} from "../audit/context.ts";
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
  type BackoffRule,
  backoffRules,
  type FailureTracker,
  ipRateRules,
  reserveAttempt,
} from "./brute-force.ts";
import {
  attachVerification,
  consumeChallenge,
  createChallenge,
  getChallenge,
  type MfaMethod,
  reserveChallengeAttempt,
  reserveChallengeSms,
} from "./challenges.ts";
import { findDevice, issueDeviceToken } from "./devices.ts";
import { looksLikeRecoveryCode, matchTotp, normalizeRecoveryCode } from "./mfa.ts";
import type { SmsOtp } from "./mfa-sms.ts";
import { hashPassword, needsRehash, verifyPassword } from "./passwords.ts";
import { revokeSession } from "./sessions-store.ts";
import type { TokenSigner } from "./signing.ts";
import { refreshSession, startSession, type TokenPair } from "./tokens.ts";
import {
  accountIsActive,
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

/** A signed-in user's tokens, plus the device token to present at the next login (when new). */
export type SignedIn = TokenPair & { readonly deviceToken?: string };

export type LoginResult =
  | SignedIn
  | {
      readonly mfaRequired: true;
      readonly challengeId: string;
      readonly methods: MfaMethod[];
      readonly expiresAt: string;
    };

const invalidCredentials = () => new DomainError("unauthorized", "Invalid email or password");
// Only users locked by earlier versions (which locked after 100 failures) can still be "locked".
const lockedOut = () =>
  new DomainError("forbidden", "Sign-in is locked; ask an administrator or operator to unlock it");

// Unknown emails are checked against this hash so they cost the same scrypt work as real ones.
let dummyHash: Promise<string> | undefined;
const dummyPasswordHash = (): Promise<string> => {
  dummyHash ??= hashPassword(randomBytes(18).toString("base64url"));
  return dummyHash;
};

/**
 * A failed sign-in of a known user (the target). Before the password is proven the caller is only
 * an address (anonymous); at the second factor, or when the account refuses the session, it has
 * proven the user's password.
 */
async function auditLoginFailure(
  user: UserRecord,
  stage: "password" | "mfa" | "session",
  details: AuditEventInput["details"],
  meta: RequestMeta,
  deps: Pick<AuthDeps, "audit">,
): Promise<void> {
  const actor = stage === "password" ? anonymousActor(meta.sourceIp) : userActor(user.userId);
  await deps.audit.record(
    auditInput(actor, meta, {
      accountId: user.accountId,
      action: "auth.login.failed",
      outcome: "failure",
      target: { type: "user", id: user.userId },
      details: { stage, ...details },
    }),
  );
}

function methodsOf(user: UserRecord): MfaMethod[] {
  const methods: MfaMethod[] = [];
  if (user.totpEnabled) methods.push("totp");
  if (user.smsEnabled) methods.push("sms");
  if (user.recoveryCodes && user.recoveryCodes.size > 0) methods.push("recovery");
  return methods;
}

/**
 * Password step. The attempt is reserved on the per-IP counter and on one per-account counter
 * before the password is checked: the device's own counter when the caller presents a device token
 * of this user, else the account-wide counter every unproven source shares. So an attacker's
 * failures throttle the attacker's sources, never the rightful user's known device (no lockout).
 */
export async function login(
  input: { email: string; password: string; deviceToken?: string | undefined },
  meta: RequestMeta,
  deps: AuthDeps,
): Promise<LoginResult> {
  const email = input.email.trim().toLowerCase();
  await assertIpRate(deps.limiter, ipRateRules.login, meta.sourceIp);
  const [user, device] = await Promise.all([
    getUserByEmail(email),
    findDevice(input.deviceToken, deps.clock.now(), deps.hasher),
  ]);
  // A device token vouches only for the user it was issued to; for any other email it is ignored.
  const trusted = device && user && device.userId === user.userId && device.accountId === user.accountId;
  const accountCounter: readonly [BackoffRule, string] = trusted
    ? [backoffRules.loginDevice, device.hash]
    : [backoffRules.loginEmail, email];
  const reserve = () =>
    reserveAttempt(deps.failures, [[backoffRules.loginIp, meta.sourceIp], accountCounter]);
  // A throttled attempt on a known user is shown to that account; unknown emails have no account.
  // Known emails pay one more write than unknown ones here, as for auth.login.failed below (a
  // timing difference of one PutItem; the responses themselves stay identical).
  await (user
    ? auditRateLimitBlock(reserve, {
        audit: deps.audit,
        accountId: user.accountId,
        limit: "login",
        actor: anonymousActor(meta.sourceIp),
        meta,
        target: { type: "user", id: user.userId },
      })
    : reserve());

  const passwordOk = await verifyPassword(input.password, user?.passwordHash ?? (await dummyPasswordHash()));
  if (!user || !passwordOk || user.status !== "active") {
    logger.info("login failed", { knownUser: user !== undefined, trustedDevice: trusted === true });
    if (user) {
      const reason = passwordOk ? `user-${user.status}` : "credentials";
      await auditLoginFailure(user, "password", { reason, trustedDevice: trusted === true }, meta, deps);
    }
    if (user?.status === "locked") throw lockedOut();
    throw invalidCredentials();
  }
  await Promise.all([
    deps.failures.reset(...accountCounter),
    deps.failures.release(backoffRules.loginIp, meta.sourceIp),
  ]);
  if (needsRehash(user.passwordHash)) {
    // Parameters were raised since this hash was made: upgrade it while we hold the password.
    await updateUser(user.accountId, user.userId, { passwordHash: await hashPassword(input.password) });
  }
  if (hasSecondFactor(user)) {
    const methods = methodsOf(user);
    const { challengeId, expiresAt } = await createChallenge(
      {
        accountId: user.accountId,
        userId: user.userId,
        methods,
        ...(trusted ? { deviceHash: device.hash } : {}),
      },
      deps.clock.now(),
    );
    return { mfaRequired: true, challengeId, methods, expiresAt: new Date(expiresAt * 1000).toISOString() };
  }
  return signIn(user, "password", trusted === true, meta, deps);
}

/** The last step of every successful sign-in: a new session, audited, tokens for the client. */
async function signIn(
  user: UserRecord,
  method: "password" | MfaMethod,
  /** The caller proved a known device token: it keeps that one; others get a new one. */
  fromKnownDevice: boolean,
  meta: RequestMeta,
  deps: AuthDeps,
): Promise<SignedIn> {
  // Checked after the password (and factor) proved who is asking: only they learn the account state.
  if (!(await accountIsActive(user.accountId))) {
    await auditLoginFailure(user, "session", { reason: "account-inactive", method }, meta, deps);
    throw new DomainError("forbidden", "This account is suspended or closed; contact your Textgate provider");
  }
  const pair = await startSession(user, deps);
  await deps.audit.record(
    auditInput(userActor(user.userId), meta, {
      accountId: user.accountId,
      action: "auth.login",
      target: { type: "session", id: pair.sessionId },
      details: { method },
    }),
  );
  const { sessionId: _sessionId, ...tokens } = pair;
  if (fromKnownDevice) return tokens;
  return { ...tokens, deviceToken: await issueDeviceToken(user, deps.clock.now(), deps.hasher) };
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
    userAgent: meta.userAgent,
    phone,
    requestId: meta.requestId,
  });
  await attachVerification(input.challengeId, verificationId);
  return { sent: true };
}

/** Checks one second-factor code of the user (TOTP and recovery codes are accepted once). */
export async function checkFactor(
  user: UserRecord,
  method: MfaMethod,
  code: string,
  verificationId: string | undefined,
  meta: RequestMeta,
  deps: Pick<AuthDeps, "cipher" | "clock" | "sms" | "hasher">,
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

/**
 * Second-factor step. Each guess is reserved before the code is checked: on the per-IP counter, on
 * the user's (or, for a challenge from a known device, that device's) counter, and on the challenge's
 * own attempt budget, each by one conditional write, so parallel guesses cannot exceed any limit.
 */
export async function completeMfa(
  input: { challengeId: string; code: string; method?: MfaMethod | undefined },
  meta: RequestMeta,
  deps: AuthDeps,
): Promise<SignedIn> {
  await assertIpRate(deps.limiter, ipRateRules.mfa, meta.sourceIp);
  const challenge = await getChallenge(input.challengeId, deps.clock.now());
  if (!challenge) throw invalidChallenge();
  const userCounter: readonly [BackoffRule, string] = challenge.deviceHash
    ? [backoffRules.mfaDevice, challenge.deviceHash]
    : [backoffRules.mfaUser, challenge.userId];
  await auditRateLimitBlock(
    () => reserveAttempt(deps.failures, [[backoffRules.mfaIp, meta.sourceIp], userCounter]),
    {
      audit: deps.audit,
      accountId: challenge.accountId,
      limit: "mfa",
      actor: userActor(challenge.userId),
      meta,
      target: { type: "user", id: challenge.userId },
    },
  );
  if (!(await reserveChallengeAttempt(input.challengeId, deps.clock.now()))) throw invalidChallenge();
  const user = await getUser(challenge.accountId, challenge.userId);
  if (user?.status !== "active") throw invalidChallenge();
  const method: MfaMethod =
    input.method ?? (looksLikeRecoveryCode(input.code) ? "recovery" : user.totpEnabled ? "totp" : "sms");
  const ok = await checkFactor(user, method, input.code, challenge.verificationId, meta, deps);
  if (!ok) {
    await auditLoginFailure(user, "mfa", { method }, meta, deps);
    throw new DomainError("unauthorized", "The code is not valid");
  }
  // The challenge is single use: a racing duplicate request loses here and gets no tokens.
  if (!(await consumeChallenge(input.challengeId))) throw invalidChallenge();
  await Promise.all([
    deps.failures.reset(...userCounter),
    deps.failures.release(backoffRules.mfaIp, meta.sourceIp),
  ]);
  return signIn(user, method, challenge.deviceHash !== undefined, meta, deps);
}

export async function refresh(
  input: { refreshToken: string },
  meta: RequestMeta,
  deps: AuthDeps,
): Promise<TokenPair> {
  await assertIpRate(deps.limiter, ipRateRules.refresh, meta.sourceIp);
  await reserveAttempt(deps.failures, [[backoffRules.refreshIp, meta.sourceIp]]);
  const result = await refreshSession(input.refreshToken, getUser, deps);
  if (result.kind === "rotated") {
    await deps.failures.release(backoffRules.refreshIp, meta.sourceIp);
    return result.pair;
  }
  if (result.kind === "reused") {
    forgetSession(result.sessionId);
    // The presenter may be the thief or the user: the detector acts, the session is ended.
    await deps.audit.record(
      auditInput(systemActor("refresh-reuse-detector"), meta, {
        accountId: result.accountId,
        action: "auth.refresh.reused",
        outcome: "blocked",
        target: { type: "session", id: result.sessionId },
        details: { sessionRevoked: true, userId: result.userId },
      }),
    );
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
  await deps.audit.record(
    auditInput(userActor(principal.principalId), meta, {
      accountId: principal.accountId,
      action: "auth.logout",
      target: { type: "session", id: principal.sessionId },
    }),
  );
}
