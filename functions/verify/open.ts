import type { StoredMessage } from "../messages/model.ts";
import { epochSeconds } from "../shared/clock.ts";
import { newId } from "../shared/ids.ts";
import { maskPhone } from "../shared/mask.ts";
import type { CreatedBy } from "../shared/principal.ts";
import { DomainError, rateLimited } from "../shared/problem.ts";
import { generateCode, hashCode } from "./code.ts";
import type { VerificationNamespace } from "./limits.ts";
import type { NumberFacts } from "./number.ts";
import { forgetQueuedTexts } from "./otp-texts.ts";
import type { StartWrite, VerificationRecord, VerifyDeps } from "./ports.ts";
import type { Requester, StartVerificationInput } from "./start.ts";
import { renderOtpText, resolveLocale } from "./templates.ts";
import { toView } from "./view.ts";

/**
 * The write of a start: a new verification or a resend into the open one, with its OTP message and
 * (for a keyed request) the Idempotency-Key binding, all in one DynamoDB transaction.
 */

export const namespaceOf = (input: { readonly namespace?: VerificationNamespace }): VerificationNamespace =>
  input.namespace ?? "api";

/** The field context every encrypted number is bound to. */
export const numberContext = (accountId: string, verificationId: string): Record<string, string> => ({
  accountId,
  field: "verification.to",
  verificationId,
});

/** The creating principal stored on the verification and its texts: API keys and users only. */
export const createdByOfRequester = (requester: Requester): CreatedBy | undefined =>
  requester.type === "apiKey" || requester.type === "user"
    ? { type: requester.type, id: requester.id }
    : undefined;

/** An Idempotency-Key to bind in the start's transaction, with the hash of its request. */
export interface StartKey {
  readonly idempotencyKey: string;
  readonly requestHash: string;
}

export const KEY_BINDING_TTL_SECONDS = 24 * 3600;

/** Thrown inside a keyed start when its key is bound already: nothing was written or sent. */
export class KeyTaken extends Error {
  override name = "KeyTaken";
}

export interface Opened {
  readonly record: VerificationRecord;
  readonly message: StoredMessage;
}

/** The OTP message for this code, and the key binding that goes into the same write. */
async function composeWrite(
  input: StartVerificationInput,
  deps: VerifyDeps,
  e164: string,
  record: VerificationRecord,
  code: string,
  key: StartKey | undefined,
  nowSeconds: number,
): Promise<StartWrite> {
  const createdBy = createdByOfRequester(input.requester);
  const text = renderOtpText({
    code,
    expiryMinutes: Math.ceil(record.expirySeconds / 60),
    locale: record.locale,
    ...(input.template ? { template: input.template } : {}),
    ...(input.appName ? { appName: input.appName } : {}),
  });
  const message = await deps.otpTexts.prepare({
    accountId: input.accountId,
    to: e164,
    text,
    validitySeconds: record.expirySeconds,
    requireTls: deps.settings.requireTls,
    tag: `verify:${record.id}`,
    // A resend's text names who resent it; the verification keeps who started it.
    ...(createdBy ? { createdBy } : {}),
  });
  if (!key) return { message };
  return {
    message,
    binding: {
      accountId: input.accountId,
      idempotencyKey: key.idempotencyKey,
      verificationId: record.id,
      messageId: message.id,
      requestHash: key.requestHash,
      response: toView(record, nowSeconds, deps.settings.maxCheckAttempts),
      expiresAt: nowSeconds + KEY_BINDING_TTL_SECONDS,
    },
  };
}

/**
 * Opens a new verification, or re-sends into the open one for this (account, number): new code
 * (the old hash is overwritten, so the old code is dead), same id, wrong-code count kept. A failed
 * verification (5 wrong codes) stays failed until its expiry: starting again sooner would hand out
 * five fresh guesses. The verification, its OTP message and the key binding are one write.
 */
export async function openOrResend(
  input: StartVerificationInput,
  deps: VerifyDeps,
  facts: NumberFacts,
  toIndex: string,
  limits: { expirySeconds: number; codeLength: number },
  key: StartKey | undefined,
): Promise<Opened> {
  const now = deps.clock.now();
  const nowSeconds = epochSeconds(now);
  const locale = resolveLocale(input.locale);
  const keptAfterCode = await keepSecondsAfterCode(input.accountId, deps);
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
      const fields = {
        codeHash: await hashCode(deps.hasher, open.id, facts.e164, code),
        codeExpiresAt,
        expiresAt: codeExpiresAt + keptAfterCode,
        locale,
        updatedAt: now.toISOString(),
      };
      const next = { ...open, ...fields, sendAttempts: open.sendAttempts + 1 };
      const write = await composeWrite(input, deps, facts.e164, next, code, key, nowSeconds);
      const updated = await deps.store.resend(
        open,
        { ...fields, messageId: write.message.id, seenSendAttempts: open.sendAttempts },
        nowSeconds,
        write,
      );
      if (updated === "key-taken") throw new KeyTaken();
      if (updated !== "conflict") {
        // The previous code is dead: a text still waiting for the carrier would only carry it.
        await forgetQueuedTexts(deps, open.messageIds, now.toISOString());
        return { record: updated, message: write.message };
      }
      continue;
    }
    const id = newId("ver");
    const createdBy = createdByOfRequester(input.requester);
    const code = generateCode(limits.codeLength);
    const codeExpiresAt = nowSeconds + limits.expirySeconds;
    const fresh: VerificationRecord = {
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
      codeLength: limits.codeLength,
      locale,
      checkAttempts: 0,
      sendAttempts: 1,
      codeExpiresAt,
      expirySeconds: limits.expirySeconds,
      expiresAt: codeExpiresAt + keptAfterCode,
      createdAt: now.toISOString(),
      ...(createdBy ? { createdBy } : {}),
      updatedAt: now.toISOString(),
      messageIds: [],
    };
    const write = await composeWrite(input, deps, facts.e164, fresh, code, key, nowSeconds);
    const record = { ...fresh, messageIds: [write.message.id] };
    const outcome = await deps.store.create(record, pointerId, nowSeconds, write);
    if (outcome === "key-taken") throw new KeyTaken();
    if (outcome === "ok") return { record, message: write.message };
  }
  throw new DomainError("conflict", "Another verification for this number is being started; retry");
}

/** How long a verification stays after its code expiry: the account's verification retention. */
async function keepSecondsAfterCode(accountId: string, deps: VerifyDeps): Promise<number> {
  const days = await deps.verificationDays?.(accountId);
  return days === undefined ? deps.settings.graceSeconds : days * 24 * 3600;
}
