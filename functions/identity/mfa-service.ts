import { auditInput, type RequestMeta, userActor } from "../audit/context.ts";
import type { AuditLog } from "../audit/port.ts";
import type { Clock } from "../shared/clock.ts";
import type { FieldCipher } from "../shared/crypto.ts";
import { maskPhone } from "../shared/mask.ts";
import { DomainError } from "../shared/problem.ts";
import type { Hasher } from "../shared/secrets.ts";
import type { UserPrincipal } from "./live-principal.ts";
import { hashRecoveryCodes, matchTotp, newRecoveryCodes, newTotpSecret, totpUri } from "./mfa.ts";
import type { SmsOtp } from "./mfa-sms.ts";
import { assertRecentlyAuthenticated } from "./reauth.ts";
import { claimTotpStep, getUser, hasSecondFactor, type UserRecord, updateUser } from "./users-store.ts";

/**
 * Enrolment of second factors for the signed-in user, and recovery codes. Replacing or removing an
 * enabled factor and minting new recovery codes need a recent proof (reauth.ts), not only a token.
 */
export interface MfaDeps {
  readonly clock: Clock;
  readonly audit: AuditLog;
  readonly hasher: Hasher;
  readonly cipher: FieldCipher;
  readonly sms: SmsOtp;
}

const fieldContext = (user: UserRecord, field: string) => ({
  accountId: user.accountId,
  userId: user.userId,
  field,
});

async function currentUser(principal: UserPrincipal): Promise<UserRecord> {
  const user = await getUser(principal.accountId, principal.principalId);
  if (user?.status !== "active") throw new DomainError("unauthorized");
  return user;
}

const audit = (deps: MfaDeps, principal: UserPrincipal, meta: RequestMeta, action: string, method: string) =>
  deps.audit.record(
    auditInput(userActor(principal.principalId), meta, {
      accountId: principal.accountId,
      action,
      target: { type: "user", id: principal.principalId },
      details: { method },
    }),
  );

/** Step 1: a fresh secret, kept pending (encrypted) until one valid code proves the app has it. */
export async function startTotpEnrolment(principal: UserPrincipal, deps: MfaDeps) {
  const user = await currentUser(principal);
  if (user.totpEnabled) throw new DomainError("conflict", "An authenticator app is already enrolled");
  const secret = newTotpSecret();
  await updateUser(user.accountId, user.userId, {
    totpPendingSecret: await deps.cipher.encrypt(secret, fieldContext(user, "totp")),
  });
  return { otpauthUri: totpUri(secret, user.email), secret };
}

/** Recovery codes are created with the first factor; later enrolments keep the existing set. */
async function recoveryCodesIfMissing(user: UserRecord, deps: MfaDeps) {
  if (user.recoveryCodes && user.recoveryCodes.size > 0) return {};
  const codes = newRecoveryCodes();
  return { codes, hashes: await hashRecoveryCodes(deps.hasher, codes) };
}

/** Switches a confirmed factor on (with the first factor's recovery codes, shown only now). */
async function enableFactor(
  user: UserRecord,
  method: "totp" | "sms",
  factorFields: Readonly<Record<string, unknown>>,
  principal: UserPrincipal,
  meta: RequestMeta,
  deps: MfaDeps,
): Promise<{ enabled: true; recoveryCodes?: string[] }> {
  const recovery = await recoveryCodesIfMissing(user, deps);
  await updateUser(user.accountId, user.userId, {
    ...factorFields,
    ...(recovery.hashes ? { recoveryCodes: recovery.hashes } : {}),
  });
  await audit(deps, principal, meta, "mfa.enrolled", method);
  return { enabled: true, ...(recovery.codes ? { recoveryCodes: recovery.codes } : {}) };
}

export async function confirmTotpEnrolment(
  input: { code: string },
  principal: UserPrincipal,
  meta: RequestMeta,
  deps: MfaDeps,
): Promise<{ enabled: true; recoveryCodes?: string[] }> {
  const user = await currentUser(principal);
  if (!user.totpPendingSecret) throw new DomainError("conflict", "Start the enrolment first");
  const secret = await deps.cipher.decrypt(user.totpPendingSecret, fieldContext(user, "totp"));
  const step = matchTotp(secret, input.code, deps.clock.now());
  if (step === undefined || !(await claimTotpStep(user.accountId, user.userId, step))) {
    throw new DomainError("unprocessable-entity", "The code does not match; check the app's clock and retry");
  }
  return enableFactor(
    user,
    "totp",
    { totpSecret: user.totpPendingSecret, totpEnabled: true, totpPendingSecret: undefined },
    principal,
    meta,
    deps,
  );
}

export async function startSmsEnrolment(
  input: { phone: string },
  principal: UserPrincipal,
  meta: RequestMeta,
  deps: MfaDeps,
) {
  const user = await currentUser(principal);
  // Replacing the phone of an enabled SMS factor moves the second factor: prove it is you.
  if (user.smsEnabled) await assertRecentlyAuthenticated(principal, deps);
  const { verificationId } = await deps.sms.start({
    accountId: user.accountId,
    userId: user.userId,
    sourceIp: meta.sourceIp,
    userAgent: meta.userAgent,
    phone: input.phone,
    requestId: meta.requestId,
  });
  await updateUser(user.accountId, user.userId, {
    smsPendingPhone: await deps.cipher.encrypt(input.phone, fieldContext(user, "mfa-phone")),
    smsPendingVerificationId: verificationId,
  });
  return { to: maskPhone(input.phone), status: "pending" as const };
}

export async function confirmSmsEnrolment(
  input: { code: string },
  principal: UserPrincipal,
  meta: RequestMeta,
  deps: MfaDeps,
): Promise<{ enabled: true; recoveryCodes?: string[] }> {
  const user = await currentUser(principal);
  if (!user.smsPendingPhone || !user.smsPendingVerificationId) {
    throw new DomainError("conflict", "Start the SMS enrolment first");
  }
  const ok = await deps.sms.check({
    accountId: user.accountId,
    verificationId: user.smsPendingVerificationId,
    code: input.code,
    requestId: meta.requestId,
  });
  if (!ok) throw new DomainError("unprocessable-entity", "The code does not match");
  const phone = await deps.cipher.decrypt(user.smsPendingPhone, fieldContext(user, "mfa-phone"));
  return enableFactor(
    user,
    "sms",
    {
      smsPhone: user.smsPendingPhone,
      smsPhoneMasked: maskPhone(phone),
      smsEnabled: true,
      smsPendingPhone: undefined,
      smsPendingVerificationId: undefined,
    },
    principal,
    meta,
    deps,
  );
}

/** A new set of 10 codes; every earlier code stops working. */
export async function regenerateRecoveryCodes(principal: UserPrincipal, meta: RequestMeta, deps: MfaDeps) {
  const user = await currentUser(principal);
  if (!hasSecondFactor(user)) throw new DomainError("conflict", "Enrol a second factor first");
  await assertRecentlyAuthenticated(principal, deps);
  const codes = newRecoveryCodes();
  await updateUser(user.accountId, user.userId, {
    recoveryCodes: await hashRecoveryCodes(deps.hasher, codes),
  });
  await audit(deps, principal, meta, "mfa.recovery-codes.regenerated", "recovery");
  return { recoveryCodes: codes };
}

/** Turns one factor off (recent proof needed); the recovery codes go with the last factor. */
export async function removeSecondFactor(
  method: "totp" | "sms",
  principal: UserPrincipal,
  meta: RequestMeta,
  deps: MfaDeps,
): Promise<{ removed: true; mfa: { totp: boolean; sms: boolean } }> {
  const user = await currentUser(principal);
  const enabled = method === "totp" ? user.totpEnabled === true : user.smsEnabled === true;
  if (!enabled)
    throw new DomainError(
      "conflict",
      `No ${method === "totp" ? "authenticator app" : "SMS"} factor is enrolled`,
    );
  await assertRecentlyAuthenticated(principal, deps);
  const otherRemains = method === "totp" ? user.smsEnabled === true : user.totpEnabled === true;
  // totpLastStep stays: it keeps refusing codes already used if the same app is enrolled again.
  const factorFields =
    method === "totp"
      ? { totpEnabled: undefined, totpSecret: undefined, totpPendingSecret: undefined }
      : { smsEnabled: undefined, smsPhone: undefined, smsPhoneMasked: undefined };
  await updateUser(user.accountId, user.userId, {
    ...factorFields,
    ...(otherRemains ? {} : { recoveryCodes: undefined }),
  });
  await audit(deps, principal, meta, "mfa.removed", method);
  return {
    removed: true,
    mfa: {
      totp: method === "totp" ? false : user.totpEnabled === true,
      sms: method === "sms" ? false : user.smsEnabled === true,
    },
  };
}
