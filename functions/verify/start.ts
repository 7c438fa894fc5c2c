import { auditInput, auditRateLimitBlock } from "../audit/context.ts";
import type { StoredMessage } from "../messages/model.ts";
import { epochSeconds } from "../shared/clock.ts";
import { logger } from "../shared/logger.ts";
import { maskPhone } from "../shared/mask.ts";
import { DomainError, validationError } from "../shared/problem.ts";
import { MAX_CODE_LENGTH, MIN_CODE_LENGTH } from "./code.ts";
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
import { namespaceOf, type Opened, openOrResend, type StartKey } from "./open.ts";
import { forgetQueuedTexts } from "./otp-texts.ts";
import type { VerifyDeps } from "./ports.ts";
import type { TemplateName } from "./templates.ts";
import { toView, type VerificationView } from "./view.ts";

export { KEY_BINDING_TTL_SECONDS, KeyTaken, numberContext, type StartKey } from "./open.ts";

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
  readonly userAgent?: string;
  readonly requestId?: string;
}

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
  await deps.audit.record(
    auditInput(input.requester, input, {
      accountId: input.accountId,
      action: "verify.blocked",
      outcome: "blocked",
      class: "short",
      details: { reason, ...details },
    }),
  );
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
  return (await startBound(input, deps, undefined)).view;
}

/**
 * The start use case; with a key, the key is bound in the same write as the verification and its
 * message (start-once.ts handles a key that is bound already). Throws KeyTaken for such a key.
 */
export async function startBound(
  input: StartVerificationInput,
  deps: VerifyDeps,
  key: StartKey | undefined,
): Promise<{ view: VerificationView; messageId: string }> {
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
  await auditRateLimitBlock(
    () =>
      enforceSendLimits(deps.limiter, {
        namespace,
        accountId: input.accountId,
        requester: `${input.requester.type}:${input.requester.id}`,
        numberIndex: toIndex,
      }),
    {
      audit: deps.audit,
      accountId: input.accountId,
      limit: "verify.send",
      actor: input.requester,
      meta: input,
    },
  );

  const snapshot = await reserveSend(input, deps, subject, now);
  const release = () =>
    deps.fraudCounters.releaseSend(subject, now).catch((releaseError: unknown) => {
      logger.error("could not release a fraud-guard reservation", { error: releaseError as Error });
    });
  let opened: Opened;
  try {
    opened = await openOrResend(input, deps, facts, toIndex, { expirySeconds, codeLength }, key);
  } catch (error) {
    // Nothing went out: the reservation must not count against the destination's conversion.
    await release();
    throw error;
  }
  const { record, message } = opened;
  await enqueueText(deps, message, key !== undefined, release);
  deps.metrics.sent(facts.country);
  recordConversion(deps, subject, snapshot);
  logger.info("verification code sent", {
    verificationId: record.id,
    messageId: message.id,
    to: record.toMasked,
    sendAttempts: record.sendAttempts,
  });
  return { view: toView(record, epochSeconds(now), deps.settings.maxCheckAttempts), messageId: message.id };
}

/**
 * Enqueues the stored OTP message. When that fails: with a key, everything stays (the client's retry
 * with the key enqueues it again); without one, nobody can find it again, so it is cancelled (its
 * text dropped) and the client may start anew.
 */
async function enqueueText(
  deps: VerifyDeps,
  message: StoredMessage,
  keyed: boolean,
  release: () => Promise<void>,
): Promise<void> {
  try {
    await deps.otpTexts.enqueue(message);
  } catch (error) {
    logger.error("could not queue an OTP text", { messageId: message.id, keyed, error: error as Error });
    if (!keyed) {
      await forgetQueuedTexts(deps, [message.id], deps.clock.now().toISOString());
      await release();
    }
    throw new DomainError(
      "service-unavailable",
      keyed
        ? "The code could not be queued; retry with the same Idempotency-Key"
        : "The code could not be queued; retry later",
      {},
      { "Retry-After": "1" },
    );
  }
}
