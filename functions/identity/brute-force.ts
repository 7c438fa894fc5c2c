import { createHash } from "node:crypto";
import { DeleteCommand, GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { dynamoClient } from "../shared/aws.ts";
import { type Clock, epochSeconds } from "../shared/clock.ts";
import { tableName } from "../shared/config.ts";
import { rateLimited } from "../shared/problem.ts";
import type { RateLimiter, RateLimitRule } from "../shared/rate-limit.ts";

/**
 * Guessing defences for login, MFA and invitation acceptance: consecutive-failure counters with
 * exponential back-off (after `freeFailures`, each further attempt waits base·2^(n−free) seconds, capped),
 * kept in the ephemeral table under a hash of the subject (email, IP, user) so no PII is in the key.
 * Counters exist for unknown emails too, so the responses never tell whether an account exists.
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
  loginEmail: { name: "login-email", freeFailures: 5, baseSeconds: 1, maxSeconds: 900, ttlSeconds: 30 * DAY },
  loginIp: { name: "login-ip", freeFailures: 20, baseSeconds: 1, maxSeconds: 900, ttlSeconds: 3600 },
  mfaUser: { name: "mfa-user", freeFailures: 3, baseSeconds: 2, maxSeconds: 900, ttlSeconds: DAY },
  mfaIp: { name: "mfa-ip", freeFailures: 20, baseSeconds: 1, maxSeconds: 900, ttlSeconds: 3600 },
  invitationIp: { name: "invite-ip", freeFailures: 10, baseSeconds: 2, maxSeconds: 900, ttlSeconds: 3600 },
  refreshIp: { name: "refresh-ip", freeFailures: 20, baseSeconds: 1, maxSeconds: 900, ttlSeconds: 3600 },
} as const satisfies Record<string, BackoffRule>;

/** Plain request-rate ceilings per IP (every attempt counts, successful or not). */
export const ipRateRules = {
  login: { name: "login-ip-1m", limit: 30, windowSeconds: 60 },
  mfa: { name: "mfa-ip-1m", limit: 30, windowSeconds: 60 },
  invitation: { name: "invite-ip-1m", limit: 20, windowSeconds: 60 },
  refresh: { name: "refresh-ip-1m", limit: 60, windowSeconds: 60 },
} as const satisfies Record<string, RateLimitRule>;

/** After this many consecutive failed logins the account is locked until an admin resets it. */
export const LOCKOUT_THRESHOLD = 100;

export interface FailureState {
  readonly failures: number;
  /** Seconds to wait before the next attempt is even evaluated; 0 = go. */
  readonly waitSeconds: number;
}

export interface FailureTracker {
  state(rule: BackoffRule, subject: string): Promise<FailureState>;
  recordFailure(rule: BackoffRule, subject: string): Promise<number>;
  reset(rule: BackoffRule, subject: string): Promise<void>;
}

export function backoffSeconds(rule: BackoffRule, failures: number): number {
  if (failures < rule.freeFailures) return 0;
  return Math.min(rule.maxSeconds, rule.baseSeconds * 2 ** (failures - rule.freeFailures));
}

const subjectHash = (subject: string): string => createHash("sha256").update(subject).digest("base64url");
const itemKey = (rule: BackoffRule, subject: string) => ({ pk: `bf#${rule.name}#${subjectHash(subject)}` });

export function dynamoFailureTracker(clock: Clock): FailureTracker {
  return {
    async state(rule, subject) {
      const { Item } = await dynamoClient().send(
        new GetCommand({
          TableName: tableName("ephemeral"),
          Key: itemKey(rule, subject),
          ConsistentRead: true,
        }),
      );
      const now = epochSeconds(clock.now());
      if (!Item || Number(Item.expiresAt) <= now) return { failures: 0, waitSeconds: 0 };
      const failures = Number(Item.failures ?? 0);
      const waitUntil = Number(Item.lastFailedAt ?? 0) + backoffSeconds(rule, failures);
      return { failures, waitSeconds: Math.max(0, waitUntil - now) };
    },
    async recordFailure(rule, subject) {
      const now = epochSeconds(clock.now());
      const result = await dynamoClient().send(
        new UpdateCommand({
          TableName: tableName("ephemeral"),
          Key: itemKey(rule, subject),
          UpdateExpression: "ADD failures :one SET lastFailedAt = :now, expiresAt = :expires",
          ExpressionAttributeValues: { ":one": 1, ":now": now, ":expires": now + rule.ttlSeconds },
          ReturnValues: "UPDATED_NEW",
        }),
      );
      return Number(result.Attributes?.failures ?? 1);
    },
    async reset(rule, subject) {
      await dynamoClient().send(
        new DeleteCommand({ TableName: tableName("ephemeral"), Key: itemKey(rule, subject) }),
      );
    },
  };
}

/** Throws 429 + Retry-After when the subject is inside its back-off window. */
export async function assertNotBackingOff(
  failures: FailureTracker,
  checks: ReadonlyArray<readonly [BackoffRule, string]>,
  /** Runs on the states before the back-off verdict (e.g. a lockout answer that must win). */
  inspect?: (states: FailureState[]) => void,
): Promise<FailureState[]> {
  const states = await Promise.all(checks.map(([rule, subject]) => failures.state(rule, subject)));
  inspect?.(states);
  const wait = Math.max(0, ...states.map((state) => state.waitSeconds));
  if (wait > 0) throw rateLimited(wait, "Too many failed attempts; retry later");
  return states;
}

/** Counts one request against a per-IP ceiling; 429 when over. */
export async function assertIpRate(limiter: RateLimiter, rule: RateLimitRule, ip: string): Promise<void> {
  const decision = await limiter.hit(rule, subjectHash(ip));
  if (!decision.allowed) throw rateLimited(decision.retryAfterSeconds);
}
