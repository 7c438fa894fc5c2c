import { GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { dynamoClient } from "./aws.ts";
import type { Clock } from "./clock.ts";
import { epochSeconds } from "./clock.ts";
import { tableName } from "./config.ts";

/**
 * Fixed-window counters in the ephemeral table: one atomic ADD per check, TTL removes old windows.
 * Used for per-number, per-requester and per-account limits (verify, login, MFA, invitations).
 */
export interface RateLimitRule {
  /** Stable name, part of the counter key, e.g. "verify-send-number-10m". */
  readonly name: string;
  readonly limit: number;
  readonly windowSeconds: number;
}

export interface RateLimitDecision {
  readonly allowed: boolean;
  readonly count: number;
  /** Seconds until the current window ends. */
  readonly retryAfterSeconds: number;
}

export interface RateLimiter {
  /** Counts one hit and says whether it is within the limit. */
  hit(rule: RateLimitRule, subject: string, cost?: number): Promise<RateLimitDecision>;
  /** Reads the current count without counting. */
  peek(rule: RateLimitRule, subject: string): Promise<RateLimitDecision>;
}

export function windowOf(rule: RateLimitRule, now: Date): { start: number; end: number } {
  const seconds = epochSeconds(now);
  const start = seconds - (seconds % rule.windowSeconds);
  return { start, end: start + rule.windowSeconds };
}

export function dynamoRateLimiter(clock: Clock): RateLimiter {
  const counterKey = (rule: RateLimitRule, subject: string, start: number): string =>
    `rl#${rule.name}#${subject}#${start}`;
  const decide = (rule: RateLimitRule, count: number, end: number, now: Date): RateLimitDecision => ({
    allowed: count <= rule.limit,
    count,
    retryAfterSeconds: Math.max(1, end - epochSeconds(now)),
  });
  return {
    async hit(rule, subject, cost = 1) {
      const now = clock.now();
      const { start, end } = windowOf(rule, now);
      const result = await dynamoClient().send(
        new UpdateCommand({
          TableName: tableName("ephemeral"),
          Key: { pk: counterKey(rule, subject, start) },
          UpdateExpression: "ADD #count :cost SET expiresAt = if_not_exists(expiresAt, :expires)",
          ExpressionAttributeNames: { "#count": "count" },
          ExpressionAttributeValues: { ":cost": cost, ":expires": end + 60 },
          ReturnValues: "UPDATED_NEW",
        }),
      );
      return decide(rule, Number(result.Attributes?.count ?? cost), end, now);
    },
    async peek(rule, subject) {
      const now = clock.now();
      const { start, end } = windowOf(rule, now);
      const { Item } = await dynamoClient().send(
        new GetCommand({ TableName: tableName("ephemeral"), Key: { pk: counterKey(rule, subject, start) } }),
      );
      return decide(rule, Number(Item?.count ?? 0), end, now);
    },
  };
}
