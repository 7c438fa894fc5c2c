/**
 * Helpers for verify tests: unique numbers (so tests never share limits or fraud counters) and
 * use-case deps wired to the real emulators with an injected clock. OTP messages are really stored,
 * but their queue only holds ids (no dispatch); the text is captured so a test can read its code.
 */

import { randomBytes, randomInt } from "node:crypto";
import { dynamoAuditLog } from "../../functions/audit/store.ts";
import { dynamoMessageRepository } from "../../functions/messages/store.ts";
import { DEFAULT_RETENTION } from "../../functions/retention/settings.ts";
import { fieldCipher } from "../../functions/shared/crypto.ts";
import { hasher } from "../../functions/shared/secrets.ts";
import { defaultFraudPolicy, type FraudPolicy } from "../../functions/verify/fraud-guard.ts";
import { dynamoFraudCounters } from "../../functions/verify/fraud-store.ts";
import { slidingLimiter } from "../../functions/verify/limits.ts";
import type { OtpTexts, VerifyDeps, VerifyMetrics } from "../../functions/verify/ports.ts";
import { messagingOtpTexts } from "../../functions/verify/service.ts";
import { dynamoVerificationStore } from "../../functions/verify/store.ts";

const digits = (count: number): string => String(randomInt(0, 10 ** count)).padStart(count, "0");

/** A random Estonian mobile number (+372 5xxx xxxx). */
export const estonianMobile = (): string => `+3725${digits(7)}`;

/** A random Latvian mobile prefix (+371 26..29 xx); numbers below it share its 7-digit fraud prefix. */
export const latvianPrefix = (): string => `+3712${randomInt(6, 10)}${digits(2)}`;
export const numberUnder = (prefix: string): string => `${prefix}${digits(12 - prefix.length)}`;

/** `count` different numbers below one prefix (a repeat would be a resend, not a new number). */
export function numbersUnder(prefix: string, count: number): string[] {
  const numbers = new Set<string>();
  while (numbers.size < count) numbers.add(numberUnder(prefix));
  return [...numbers];
}

export const testAccountId = (): string => `acc_test${randomBytes(8).toString("hex")}`;

export interface SentText {
  readonly to: string;
  readonly text: string;
}

/** The code in an OTP text (the only run of 6-10 digits in our templates). */
export function codeIn(text: string | undefined): string {
  const match = /\b([0-9]{6,10})\b/.exec(text ?? "");
  if (!match?.[1]) throw new Error("no code in the text");
  return match[1];
}

export interface TestClock {
  now(): Date;
  advance(seconds: number): void;
}

export function testClock(start = new Date()): TestClock {
  let at = start.getTime();
  return {
    now: () => new Date(at),
    advance: (seconds) => {
      at += seconds * 1000;
    },
  };
}

export interface Harness {
  readonly deps: VerifyDeps;
  readonly clock: TestClock;
  /** Texts put on the (held) OTP queue, in order. */
  readonly sent: SentText[];
  /** Ids of the OTP messages on the held queue: no dispatcher ever consumes them. */
  readonly held: string[];
  readonly metrics: { name: string; country: string; value?: number }[];
  lastCodeTo(to: string): string;
}

export function verifyHarness(
  overrides: { fraudPolicy?: FraudPolicy; countries?: readonly string[]; start?: Date } = {},
): Harness {
  const clock = testClock(overrides.start);
  const sent: SentText[] = [];
  const held: string[] = [];
  const recorded: { name: string; country: string; value?: number }[] = [];
  const metrics: VerifyMetrics = {
    sent: (country) => recorded.push({ name: "sent", country }),
    approved: (country) => recorded.push({ name: "approved", country }),
    blocked: (country) => recorded.push({ name: "blocked", country }),
    conversion: (country, value) => recorded.push({ name: "conversion", country, value }),
    prefixConversionLow: (country) => recorded.push({ name: "prefixConversionLow", country }),
  };
  const fraudPolicy = overrides.fraudPolicy ?? defaultFraudPolicy;
  const deps: VerifyDeps = {
    clock,
    store: dynamoVerificationStore(),
    hasher: hasher(),
    cipher: fieldCipher(),
    limiter: slidingLimiter(clock),
    fraudCounters: dynamoFraudCounters(fraudPolicy.windowSeconds),
    fraudPolicy,
    allowedCountries: async () => overrides.countries ?? ["EE", "LV"],
    otpTexts: heldOtpTexts(clock, overrides.countries ?? ["EE", "LV"], sent, held),
    audit: dynamoAuditLog(clock),
    metrics,
    settings: { defaultExpirySeconds: 600, maxCheckAttempts: 5, graceSeconds: 24 * 3600, requireTls: false },
  };
  return {
    deps,
    clock,
    sent,
    held,
    metrics: recorded,
    lastCodeTo: (to) => codeIn([...sent].reverse().find((s) => s.to === to)?.text),
  };
}

/**
 * The real OTP message path (messages written to the messages table by the verification store)
 * with a queue that only holds ids: the dispatcher never runs, so a test sees each message as the
 * verify use cases leave it. The clear text is captured at prepare time for reading the code.
 */
function heldOtpTexts(
  clock: TestClock,
  countries: readonly string[],
  sent: SentText[],
  held: string[],
): OtpTexts {
  const texts = new Map<string, SentText>();
  const real = messagingOtpTexts({
    messages: dynamoMessageRepository(),
    accounts: {
      getAccount: async (accountId) => ({
        accountId,
        allowedCountries: [...countries],
        retention: DEFAULT_RETENTION,
      }),
    },
    queue: {
      enqueue: async (_queue, messageId) => {
        held.push(messageId);
      },
    },
    clock,
    cipher: fieldCipher(),
    hasher: hasher(),
  });
  return {
    ...real,
    async prepare(input) {
      const message = await real.prepare(input);
      texts.set(message.id, { to: input.to, text: input.text });
      return message;
    },
    async enqueue(message) {
      await real.enqueue(message);
      const text = texts.get(message.id);
      if (text) sent.push(text);
    },
  };
}

/** Runs a promise expected to fail with a DomainError and returns it. */
export async function domainError(promise: Promise<unknown>): Promise<{
  slug: string;
  extensions: Record<string, unknown>;
  headers: Record<string, string>;
}> {
  try {
    await promise;
  } catch (error) {
    const e = error as {
      slug?: string;
      extensions?: Record<string, unknown>;
      headers?: Record<string, string>;
    };
    if (!e.slug) throw error;
    return { slug: e.slug, extensions: e.extensions ?? {}, headers: e.headers ?? {} };
  }
  throw new Error("expected a DomainError, but the call succeeded");
}
