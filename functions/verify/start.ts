import type { AuditEventInput } from "../audit/port.ts";
import { epochSeconds } from "../shared/clock.ts";
import { newId } from "../shared/ids.ts";
import { logger } from "../shared/logger.ts";
import { maskPhone } from "../shared/mask.ts";
import { DomainError, rateLimited, validationError } from "../shared/problem.ts";
import { generateCode, hashCode, MAX_CODE_LENGTH, MIN_CODE_LENGTH } from "./code.ts";
import {
  conversionIsLow,
  conversionRate,
  evaluateFraud,
  type FraudSnapshot,
  type FraudSubject,
  isCountryAllowed,
  withoutOneSend,
} from "./fraud-guard.ts";
import { enforceSendLimits, type VerificationNamespace } from "./limits.ts";
import { type NumberFacts, numberFacts } from "./number.ts";
import type { VerificationRecord, VerifyDeps } from "./ports.ts";
import { renderOtpText, resolveLocale, type TemplateName } from "./templates.ts";
import { toView, type VerificationView } from "./view.ts";

export const MIN_EXPIRY_SECONDS = 60;
export const MAX_EXPIRY_SECONDS = 600;

/** Who asks for a code: limits are keyed on it, audit events name it. */
export interface Requester {
  readonly type: "apiKey" | "user" | "anonymous" | "system";
  /** API key id, user id, or for anonymous callers the source IP. */
  readonly id: string;
}

export interface StartVerificationInput {
  readonly accountId: string;
  /** Default "api". "dashboard" only for identity's sign-in factor (sms-otp.ts). */
  readonly namespace?: VerificationNamespace;
  /** E.164, already validated by the caller's schema. */
  readonly to: string;
  readonly requester: Requester;
  readonly locale?: string;
  readonly codeLength?: number;
  readonly template?: TemplateName;
  readonly appName?: string;
  /** 60–600; default from settings (600). */
  readonly expirySeconds?: number;
  /** Overrides the account's allow-list (e.g. Textgate's own dashboard 2FA). */
  readonly allowedCountries?: readonly string[];
  readonly sourceIp?: string;
  readonly requestId?: string;
}

const namespaceOf = (input: { readonly namespace?: VerificationNamespace }): VerificationNamespace =>
  input.namespace ?? "api";

/** The field context every encrypted number is bound to. */
export const numberContext = (accountId: string, verificationId: string): Record<string, string> => ({
  accountId,
  field: "verification.to",
  verificationId,
});

function validateInput(
  input: StartVerificationInput,
  deps: VerifyDeps,
): { facts: NumberFacts; expirySeconds: number; codeLength: number } {
  const facts = numberFacts(input.to);
  const expirySeconds = input.expirySeconds ?? deps.settings.defaultExpirySeconds;
  const codeLength = input.codeLength ?? MIN_CODE_LENGTH;
  const errors = [];
  if (
    !Number.isInteger(expirySeconds) ||
    expirySeconds < MIN_EXPIRY_SECONDS ||
    expirySeconds > MAX_EXPIRY_SECONDS
  ) {
    errors.push({ field: "expirySeconds", message: `must be ${MIN_EXPIRY_SECONDS}-${MAX_EXPIRY_SECONDS}` });
  }
  if (!Number.isInteger(codeLength) || codeLength < MIN_CODE_LENGTH || codeLength > MAX_CODE_LENGTH) {
    errors.push({ field: "codeLength", message: `must be ${MIN_CODE_LENGTH}-${MAX_CODE_LENGTH}` });
  }
  if (errors.length > 0) throw validationError(errors);
  return { facts, expirySeconds, codeLength };
}

async function refuse(
  input: StartVerificationInput,
  deps: VerifyDeps,
  reason: "country-not-allowed" | "fraud-prefix" | "fraud-country",
  details: Record<string, string | number>,
): Promise<void> {
  const event: AuditEventInput = {
    accountId: input.accountId,
    action: "verify.blocked",
    actor: input.requester,
    outcome: "blocked",
    class: "short",
    details: { reason, ...details },
    ...(input.sourceIp ? { sourceIp: input.sourceIp } : {}),
    ...(input.requestId ? { requestId: input.requestId } : {}),
  };
  await deps.audit.record(event);
  deps.metrics.blocked(String(details.country), reason);
  logger.info("verification blocked", { reason, ...details });
}

async function refuseFraud(
  input: StartVerificationInput,
  deps: VerifyDeps,
  subject: FraudSubject,
  snapshot: FraudSnapshot,
  decision: { scope: "prefix" | "country"; retryAfterSeconds: number },
): Promise<never> {
  // The prefix (6–8 leading digits) is what operators need; no masked number beside it, since
  // prefix + last three digits would give the number away.
  await refuse(input, deps, decision.scope === "prefix" ? "fraud-prefix" : "fraud-country", {
    country: subject.country,
    ...(decision.scope === "prefix" ? { prefix: subject.prefix } : {}),
    sends: Math.round(decision.scope === "prefix" ? snapshot.prefix.sends : snapshot.country.sends),
  });
  throw new DomainError(
    "verify-fraud-blocked",
    "Unusually many codes to this destination are never confirmed; new verifications to it are paused",
    { retryAfter: decision.retryAfterSeconds, scope: decision.scope },
    { "Retry-After": String(decision.retryAfterSeconds) },
  );
}

/**
 * Country allow-list, then a read-only look at the pumping counters, so that a destination already
 * blocked is refused without a single write. Blocked starts create no message (nothing is charged).
 */
async function guard(
  input: StartVerificationInput,
  deps: VerifyDeps,
  subject: FraudSubject,
  now: Date,
): Promise<void> {
  const allowed = input.allowedCountries ?? (await deps.allowedCountries(input.accountId));
  if (!isCountryAllowed(subject.country, allowed)) {
    await refuse(input, deps, "country-not-allowed", { country: subject.country, to: maskPhone(input.to) });
    throw new DomainError(
      "verify-country-not-allowed",
      `Sending codes to ${subject.country} is not enabled for this account`,
      { country: subject.country },
    );
  }
  const snapshot = await deps.fraudCounters.read(subject, now);
  const decision = evaluateFraud(snapshot, deps.fraudPolicy);
  if (decision.blocked) await refuseFraud(input, deps, subject, snapshot, decision);
}

/**
 * Counts this send atomically, then decides on the count before it. Concurrent starts each get a
 * distinct count, so a parallel burst is cut at the same point as a sequential one.
 */
async function reserveSend(
  input: StartVerificationInput,
  deps: VerifyDeps,
  subject: FraudSubject,
  now: Date,
): Promise<FraudSnapshot> {
  const reserved = await deps.fraudCounters.reserveSend(subject, now);
  const before = withoutOneSend(reserved);
  const decision = evaluateFraud(before, deps.fraudPolicy);
  if (decision.blocked) {
    await deps.fraudCounters.releaseSend(subject, now);
    await refuseFraud(input, deps, subject, before, decision);
  }
  return before;
}

interface Prepared {
  readonly record: VerificationRecord;
  readonly code: string;
}

/**
 * Opens a new verification, or re-sends into the open one for this (account, number): new code
 * (the old hash is overwritten, so the old code is dead), same id, wrong-code count kept. A failed
 * verification (5 wrong codes) stays failed until its expiry: starting again sooner would hand out
 * five fresh guesses.
 */
async function openOrResend(
  input: StartVerificationInput,
  deps: VerifyDeps,
  facts: NumberFacts,
  toIndex: string,
  expirySeconds: number,
  codeLength: number,
): Promise<Prepared> {
  const now = deps.clock.now();
  const nowSeconds = epochSeconds(now);
  const locale = resolveLocale(input.locale);
  for (let attempt = 0; attempt < 3; attempt++) {
    const { pointerId, record: current } = await deps.store.current(
      namespaceOf(input),
      input.accountId,
      toIndex,
      nowSeconds,
    );
    const open = current && current.codeExpiresAt > nowSeconds ? current : undefined;
    if (open?.status === "failed") {
      throw rateLimited(
        open.codeExpiresAt - nowSeconds,
        "Too many wrong codes for this number; start again later",
      );
    }
    if (open?.status === "pending") {
      const code = generateCode(open.codeLength);
      const codeExpiresAt = nowSeconds + open.expirySeconds;
      const updated = await deps.store.resend(
        open.id,
        input.accountId,
        {
          codeHash: await hashCode(deps.hasher, open.id, facts.e164, code),
          codeExpiresAt,
          expiresAt: codeExpiresAt + deps.settings.graceSeconds,
          locale,
          updatedAt: now.toISOString(),
        },
        nowSeconds,
      );
      if (updated !== "conflict") return { record: updated, code };
      continue;
    }
    const id = newId("ver");
    const code = generateCode(codeLength);
    const codeExpiresAt = nowSeconds + expirySeconds;
    const record: VerificationRecord = {
      id,
      accountId: input.accountId,
      namespace: namespaceOf(input),
      channel: "sms",
      status: "pending",
      toEncrypted: await deps.cipher.encrypt(facts.e164, numberContext(input.accountId, id)),
      toIndex,
      toMasked: maskPhone(facts.e164),
      country: facts.country,
      prefix: facts.prefix,
      codeHash: await hashCode(deps.hasher, id, facts.e164, code),
      codeLength,
      locale,
      checkAttempts: 0,
      sendAttempts: 1,
      codeExpiresAt,
      expirySeconds,
      expiresAt: codeExpiresAt + deps.settings.graceSeconds,
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
    };
    if ((await deps.store.create(record, pointerId, nowSeconds)) === "ok") return { record, code };
  }
  throw new DomainError("conflict", "Another verification for this number is being started; retry");
}

function recordConversion(deps: VerifyDeps, subject: FraudSubject, snapshot: FraudSnapshot): void {
  const countryRate = conversionRate(snapshot.country);
  if (countryRate !== undefined && snapshot.country.sends >= deps.fraudPolicy.alert.minSends) {
    deps.metrics.conversion(
      subject.country,
      countryRate,
      conversionIsLow(snapshot.country, deps.fraudPolicy),
    );
  }
  if (conversionIsLow(snapshot.prefix, deps.fraudPolicy)) {
    // Prefixes are too many for metric dimensions: count the event, name the prefix in the log.
    deps.metrics.prefixConversionLow(subject.country);
    logger.info("low verification conversion for prefix", {
      country: subject.country,
      prefix: subject.prefix,
      sends: Math.round(snapshot.prefix.sends),
      approvals: Math.round(snapshot.prefix.approvals),
    });
  }
}

export async function startVerification(
  input: StartVerificationInput,
  deps: VerifyDeps,
): Promise<VerificationView> {
  const { facts, expirySeconds, codeLength } = validateInput(input, deps);
  const now = deps.clock.now();
  const namespace = namespaceOf(input);
  const subject: FraudSubject = {
    namespace,
    accountId: input.accountId,
    country: facts.country,
    prefix: facts.prefix,
  };
  await guard(input, deps, subject, now);

  const toIndex = await deps.hasher.hmac("phone-index", facts.e164);
  await enforceSendLimits(deps.limiter, {
    namespace,
    accountId: input.accountId,
    requester: `${input.requester.type}:${input.requester.id}`,
    numberIndex: toIndex,
  });

  const snapshot = await reserveSend(input, deps, subject, now);
  let sent: { record: VerificationRecord; messageId: string };
  try {
    const { record, code } = await openOrResend(input, deps, facts, toIndex, expirySeconds, codeLength);
    const text = renderOtpText({
      code,
      expiryMinutes: Math.ceil(record.expirySeconds / 60),
      locale: record.locale,
      ...(input.template ? { template: input.template } : {}),
      ...(input.appName ? { appName: input.appName } : {}),
    });
    const { messageId } = await deps.sendOtpSms({
      accountId: input.accountId,
      to: facts.e164,
      text,
      validitySeconds: record.expirySeconds,
      requireTls: deps.settings.requireTls,
      tag: `verify:${record.id}`,
    });
    sent = { record, messageId };
  } catch (error) {
    // Nothing went out: the reservation must not count against the destination's conversion.
    await deps.fraudCounters.releaseSend(subject, now).catch((releaseError: unknown) => {
      logger.error("could not release a fraud-guard reservation", { error: releaseError as Error });
    });
    throw error;
  }
  const { record, messageId } = sent;
  deps.metrics.sent(facts.country);
  recordConversion(deps, subject, snapshot);
  logger.info("verification code sent", {
    verificationId: record.id,
    messageId,
    to: record.toMasked,
    sendAttempts: record.sendAttempts,
  });
  return toView(record, epochSeconds(now), deps.settings.maxCheckAttempts);
}
