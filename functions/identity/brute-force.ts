import { createHash } from "node:crypto";
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { dynamoClient } from "../shared/aws.ts";
import { type Clock, epochSeconds } from "../shared/clock.ts";
import { tableName } from "../shared/config.ts";
import { appliedUnlessConditionFails } from "../shared/dynamo.ts";
import { rateLimited } from "../shared/problem.ts";
import type { RateLimiter, RateLimitRule } from "../shared/rate-limit.ts";

/**
 * Guessing defences for login, MFA, password change, re-authentication and invitation acceptance:
 * consecutive-failure counters with exponential back-off (after `freeFailures`, each further attempt
 * waits base·2^(n−free) seconds, capped at `maxSeconds`: bounded, never a permanent lock), kept in the
 * ephemeral table under a hash of the subject (email, IP, user, device) so no PII is in the key.
 * Counters exist for unknown emails too, so the responses never tell whether an account exists.
 *
 * Every attempt RESERVES its slot before it is evaluated: a compare-and-set on the count it read
 * counts it as a failure up front and sets the next back-off deadline in the same write. Parallel
 * attempts therefore count like sequential ones (the loser of a race re-reads and sees the new
 * count and deadline); a success afterwards resets (per-account) or releases (per-source) the slot.
 */
export interface BackoffRule {
  readonly name: string;
  readonly freeFailures: number;
  readonly baseSeconds: number;
  readonly maxSeconds: number;
  /** How long the counter survives after the last failure. */
  readonly ttlSeconds: number;
}

const DAY = 24 * 3600;

export const backoffRules = {
  /** Per account, for sources that have not proven themselves (no device token of this user). */
  loginEmail: { name: "login-email", freeFailures: 5, baseSeconds: 1, maxSeconds: 900, ttlSeconds: 30 * DAY },
  /** Per device token: a device the user signed in from before has its own budget (OWASP device cookies). */
  loginDevice: { name: "login-device", freeFailures: 5, baseSeconds: 1, maxSeconds: 900, ttlSeconds: DAY },
  loginIp: { name: "login-ip", freeFailures: 20, baseSeconds: 1, maxSeconds: 900, ttlSeconds: 3600 },
  mfaUser: { name: "mfa-user", freeFailures: 3, baseSeconds: 2, maxSeconds: 900, ttlSeconds: DAY },
  /** Second-factor guesses on a challenge that came from a trusted device. */
  mfaDevice: { name: "mfa-device", freeFailures: 3, baseSeconds: 2, maxSeconds: 900, ttlSeconds: DAY },
  mfaIp: { name: "mfa-ip", freeFailures: 20, baseSeconds: 1, maxSeconds: 900, ttlSeconds: 3600 },
  /** Current-password proofs by a signed-in user (password change, re-authentication). */
  passwordProofUser: {
    name: "password-proof-user",
    freeFailures: 5,
    baseSeconds: 2,
    maxSeconds: 900,
    ttlSeconds: DAY,
  },
  passwordProofIp: {
    name: "password-proof-ip",
    freeFailures: 20,
    baseSeconds: 1,
    maxSeconds: 900,
    ttlSeconds: 3600,
  },
  invitationIp: { name: "invite-ip", freeFailures: 10, baseSeconds: 2, maxSeconds: 900, ttlSeconds: 3600 },
  refreshIp: { name: "refresh-ip", freeFailures: 20, baseSeconds: 1, maxSeconds: 900, ttlSeconds: 3600 },
} as const satisfies Record<string, BackoffRule>;

/** Plain request-rate ceilings per IP (every attempt counts, successful or not). */
export const ipRateRules = {
  login: { name: "login-ip-1m", limit: 30, windowSeconds: 60 },
  mfa: { name: "mfa-ip-1m", limit: 30, windowSeconds: 60 },
  passwordProof: { name: "password-proof-ip-1m", limit: 20, windowSeconds: 60 },
  invitation: { name: "invite-ip-1m", limit: 20, windowSeconds: 60 },
  refresh: { name: "refresh-ip-1m", limit: 60, windowSeconds: 60 },
} as const satisfies Record<string, RateLimitRule>;

export type Reservation =
  | { readonly allowed: true; readonly failures: number }
  | { readonly allowed: false; readonly waitSeconds: number };

export interface FailureTracker {
  /** Counts one attempt as a failure before it is evaluated; refused while the subject backs off. */
  reserve(rule: BackoffRule, subject: string): Promise<Reservation>;
  /** Gives one reserved attempt back (it succeeded) without clearing the others' failures. */
  release(rule: BackoffRule, subject: string): Promise<void>;
  /** Forgets every failure of the subject (a success on a per-account counter, an operator unlock). */
  reset(rule: BackoffRule, subject: string): Promise<void>;
}

export function backoffSeconds(rule: BackoffRule, failures: number): number {
  if (failures < rule.freeFailures) return 0;
  return Math.min(rule.maxSeconds, rule.baseSeconds * 2 ** (failures - rule.freeFailures));
}

const subjectHash = (subject: string): string => createHash("sha256").update(subject).digest("base64url");
export const backoffKey = (rule: BackoffRule, subject: string) => ({
  pk: `bf#${rule.name}#${subjectHash(subject)}`,
});

/** The condition that makes a reservation apply only to the counter state it was computed from. */
function compareAndSet(state: "none" | "expired" | "live", failures: number, now: number) {
  switch (state) {
    case "none":
      return { ConditionExpression: "attribute_not_exists(pk)" };
    case "expired":
      return { ConditionExpression: "expiresAt <= :now", ExpressionAttributeValues: { ":now": now } };
    case "live":
      return {
        ConditionExpression: "failures = :seen AND expiresAt > :now",
        ExpressionAttributeValues: { ":seen": failures, ":now": now },
      };
  }
}

/** Compare-and-set rounds before a reservation gives up under heavy contention (and answers 429). */
const MAX_RESERVE_ROUNDS = 8;

export function dynamoFailureTracker(clock: Clock): FailureTracker {
  const table = () => tableName("ephemeral");
  const read = async (rule: BackoffRule, subject: string, now: number) => {
    const { Item } = await dynamoClient().send(
      new GetCommand({ TableName: table(), Key: backoffKey(rule, subject), ConsistentRead: true }),
    );
    if (!Item) return { state: "none", failures: 0, blockedUntil: 0 } as const;
    // An expired item still in the table (TTL deletes late) counts as none.
    if (Number(Item.expiresAt) <= now) return { state: "expired", failures: 0, blockedUntil: 0 } as const;
    return {
      state: "live",
      failures: Number(Item.failures ?? 0),
      blockedUntil: Number(Item.blockedUntil ?? 0),
    } as const;
  };

  return {
    async reserve(rule, subject) {
      for (let round = 0; round < MAX_RESERVE_ROUNDS; round++) {
        const now = epochSeconds(clock.now());
        const seen = await read(rule, subject, now);
        if (seen.blockedUntil > now) return { allowed: false, waitSeconds: seen.blockedUntil - now };
        const failures = seen.failures + 1;
        const item = {
          ...backoffKey(rule, subject),
          failures,
          lastFailedAt: now,
          blockedUntil: now + backoffSeconds(rule, failures),
          expiresAt: now + rule.ttlSeconds,
        };
        // Applies only if nobody moved the counter since our read: the count is the version.
        const won = await appliedUnlessConditionFails(
          dynamoClient().send(
            new PutCommand({
              TableName: table(),
              Item: item,
              ...compareAndSet(seen.state, seen.failures, now),
            }),
          ),
        );
        if (won) return { allowed: true, failures };
      }
      return { allowed: false, waitSeconds: 1 };
    },
    async release(rule, subject) {
      const now = epochSeconds(clock.now());
      // The success imposes no wait on the next attempt; the other failures keep counting.
      await appliedUnlessConditionFails(
        dynamoClient().send(
          new UpdateCommand({
            TableName: table(),
            Key: backoffKey(rule, subject),
            UpdateExpression: "ADD failures :minusOne SET blockedUntil = :now",
            ConditionExpression: "failures > :zero AND expiresAt > :now",
            ExpressionAttributeValues: { ":minusOne": -1, ":zero": 0, ":now": now },
          }),
        ),
      );
    },
    async reset(rule, subject) {
      await dynamoClient().send(new DeleteCommand({ TableName: table(), Key: backoffKey(rule, subject) }));
    },
  };
}

/**
 * Reserves one attempt on every counter, in order; the first that is backing off answers 429 with
 * its Retry-After. Counters reserved before the refusal keep the attempt (it was made).
 */
export async function reserveAttempt(
  failures: FailureTracker,
  checks: ReadonlyArray<readonly [BackoffRule, string]>,
): Promise<void> {
  for (const [rule, subject] of checks) {
    const reservation = await failures.reserve(rule, subject);
    if (!reservation.allowed) {
      throw rateLimited(reservation.waitSeconds, "Too many failed attempts; retry later");
    }
  }
}

/** Counts one request against a per-IP ceiling; 429 when over. */
export async function assertIpRate(limiter: RateLimiter, rule: RateLimitRule, ip: string): Promise<void> {
  const decision = await limiter.hit(rule, subjectHash(ip));
  if (!decision.allowed) throw rateLimited(decision.retryAfterSeconds);
}
