import { GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { dynamoClient } from "../shared/aws.ts";
import { type Clock, epochSeconds } from "../shared/clock.ts";
import { tableName } from "../shared/config.ts";
import { rateLimited } from "../shared/problem.ts";
import type { RateLimitRule } from "../shared/rate-limit.ts";

/**
 * Victim-safe send limits.
 *
 * The budget (5 sends per number per 10 min, 10 per hour) is counted per REQUESTER AND
 * NUMBER: an attacker hammering a victim's number through one API key (or from one IP, for the
 * dashboard login) burns only that requester's budget for that number. A second, legitimate
 * requester still has its own five sends.
 *
 * Per-requester buckets alone would let an attacker with many keys/IPs flood one phone (SMS
 * bombing), so every number also has a global ceiling, three times the per-requester budget, so
 * that after one attacker has used up its share at least two more requesters still get through.
 * The global ceiling is only charged once the requester's own bucket allowed the send, so
 * requests already refused for the attacker never eat into what the victim's requester can use.
 *
 * Counts are sliding-window estimates (current fixed window + the overlapping share of the previous
 * one): a fixed window alone would allow 2x the limit across a window boundary.
 */
export const sendLimitRules = {
  requesterNumber10m: { name: "verify-send-rn-10m", limit: 5, windowSeconds: 600 },
  requesterNumber1h: { name: "verify-send-rn-1h", limit: 10, windowSeconds: 3600 },
  number10m: { name: "verify-send-n-10m", limit: 15, windowSeconds: 600 },
  number1h: { name: "verify-send-n-1h", limit: 30, windowSeconds: 3600 },
} as const satisfies Record<string, RateLimitRule>;

export interface SendLimitSubject {
  /** Who asks: "key:<apiKeyId>", "user:<userId>" or "ip:<address>". */
  readonly requester: string;
  /** Blind index (HMAC) of the number: counters never hold phone numbers. */
  readonly numberIndex: string;
}

export interface SlidingLimiter {
  /** Counts one hit; returns seconds to wait when over the limit, 0 when allowed. */
  hit(rule: RateLimitRule, subject: string): Promise<number>;
}

/**
 * Sliding-window counters in the ephemeral table. Not the shared fixed-window RateLimiter: its
 * counters expire one minute after their window, and the estimate here still needs the previous
 * window for a whole window longer (DynamoDB may delete an expired item at any moment).
 */
export function slidingLimiter(clock: Clock): SlidingLimiter {
  const keyOf = (rule: RateLimitRule, subject: string, start: number): string =>
    `vrl#${rule.name}#${subject}#${start}`;
  return {
    async hit(rule, subject) {
      const now = epochSeconds(clock.now());
      const start = now - (now % rule.windowSeconds);
      const end = start + rule.windowSeconds;
      const table = tableName("ephemeral");
      const [current, previous] = await Promise.all([
        dynamoClient().send(
          new UpdateCommand({
            TableName: table,
            Key: { pk: keyOf(rule, subject, start) },
            UpdateExpression: "ADD #count :one SET expiresAt = if_not_exists(expiresAt, :expires)",
            ExpressionAttributeNames: { "#count": "count" },
            ExpressionAttributeValues: { ":one": 1, ":expires": end + rule.windowSeconds + 60 },
            ReturnValues: "UPDATED_NEW",
          }),
        ),
        dynamoClient().send(
          new GetCommand({ TableName: table, Key: { pk: keyOf(rule, subject, start - rule.windowSeconds) } }),
        ),
      ]);
      const count = Number(current.Attributes?.count ?? 1);
      // Every read ignores expired items: DynamoDB deletes them late.
      const before =
        previous.Item && Number(previous.Item.expiresAt ?? 0) > now ? Number(previous.Item.count ?? 0) : 0;
      const overlap = 1 - (now - start) / rule.windowSeconds;
      const estimate = count + before * overlap;
      return estimate > rule.limit ? Math.max(1, end - now) : 0;
    },
  };
}

async function firstRefusal(
  limiter: SlidingLimiter,
  checks: ReadonlyArray<readonly [RateLimitRule, string]>,
): Promise<number> {
  const waits = await Promise.all(checks.map(([rule, subject]) => limiter.hit(rule, subject)));
  return Math.max(0, ...waits);
}

/** Throws 429 (Retry-After) when this send would exceed the requester's or the number's budget. */
export async function enforceSendLimits(limiter: SlidingLimiter, subject: SendLimitSubject): Promise<void> {
  const pair = `${subject.requester}#${subject.numberIndex}`;
  const requesterWait = await firstRefusal(limiter, [
    [sendLimitRules.requesterNumber10m, pair],
    [sendLimitRules.requesterNumber1h, pair],
  ]);
  if (requesterWait > 0) {
    throw rateLimited(requesterWait, "Too many codes sent to this number; retry later");
  }
  const numberWait = await firstRefusal(limiter, [
    [sendLimitRules.number10m, subject.numberIndex],
    [sendLimitRules.number1h, subject.numberIndex],
  ]);
  if (numberWait > 0) {
    throw rateLimited(numberWait, "Too many codes sent to this number; retry later");
  }
}
