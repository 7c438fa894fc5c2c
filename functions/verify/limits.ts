import { GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { dynamoClient } from "../shared/aws.ts";
import { type Clock, epochSeconds } from "../shared/clock.ts";
import { tableName } from "../shared/config.ts";
import { rateLimited } from "../shared/problem.ts";
import type { RateLimitRule } from "../shared/rate-limit.ts";

/**
 * Victim-safe send limits, in two namespaces that never share a counter.
 *
 * Tenant traffic (the Verify API): the issue's budget (5 sends per number per 10 min, 10 per hour)
 * is counted per ACCOUNT AND NUMBER, whichever of the account's keys asks: a tenant with many keys
 * still has one share per number, and another tenant has its own share. Per-tenant buckets alone
 * would let someone with many tenants flood one phone (SMS bombing), so every number also has a
 * platform-wide safety ceiling, six tenants' shares, charged only once the tenant's own bucket
 * allowed the send (a tenant's refused requests never eat into what other tenants can use).
 *
 * Dashboard 2FA (identity's SMS factor): counted per requester (user, or source IP before sign-in)
 * and per account, on counters of its own. No tenant's Verify traffic can exhaust them, so an
 * attacker flooding a number through the Verify API never blocks a user's login code.
 *
 * Counts are sliding-window estimates (current fixed window + the overlapping share of the previous
 * one): a fixed window alone would allow 2x the limit across a window boundary.
 */
export const sendLimitRules = {
  tenantNumber10m: { name: "verify-send-tn-10m", limit: 5, windowSeconds: 600 },
  tenantNumber1h: { name: "verify-send-tn-1h", limit: 10, windowSeconds: 3600 },
  number10m: { name: "verify-send-n-10m", limit: 30, windowSeconds: 600 },
  number1h: { name: "verify-send-n-1h", limit: 60, windowSeconds: 3600 },
  dashboardRequesterNumber10m: { name: "verify-send-2fa-rn-10m", limit: 5, windowSeconds: 600 },
  dashboardRequesterNumber1h: { name: "verify-send-2fa-rn-1h", limit: 10, windowSeconds: 3600 },
  dashboardAccountNumber10m: { name: "verify-send-2fa-an-10m", limit: 10, windowSeconds: 600 },
  dashboardAccountNumber1h: { name: "verify-send-2fa-an-1h", limit: 20, windowSeconds: 3600 },
} as const satisfies Record<string, RateLimitRule>;

/**
 * Who a verification belongs to. "api": a tenant's Verify API. "dashboard": Textgate's own sign-in
 * second factor, which no API key can reach (own resend pointer, own counters).
 */
export type VerificationNamespace = "api" | "dashboard";

export interface SendLimitSubject {
  readonly namespace: VerificationNamespace;
  readonly accountId: string;
  /** Who asks: "apiKey:<id>", "user:<userId>" or "anonymous:ip:<address>" (dashboard budgets). */
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

const tooMany = (wait: number) => rateLimited(wait, "Too many codes sent to this number; retry later");

/**
 * Throws 429 (Retry-After) when this send would exceed its budgets. Every hit is an atomic
 * increment whose result is then compared (reserve, then check), so parallel starts cannot slip
 * past a limit; the shared ceiling is only charged after the narrower budget allowed the send.
 */
export async function enforceSendLimits(limiter: SlidingLimiter, subject: SendLimitSubject): Promise<void> {
  if (subject.namespace === "dashboard") {
    const requesterWait = await firstRefusal(limiter, [
      [sendLimitRules.dashboardRequesterNumber10m, `${subject.requester}#${subject.numberIndex}`],
      [sendLimitRules.dashboardRequesterNumber1h, `${subject.requester}#${subject.numberIndex}`],
    ]);
    if (requesterWait > 0) throw tooMany(requesterWait);
    const accountWait = await firstRefusal(limiter, [
      [sendLimitRules.dashboardAccountNumber10m, `${subject.accountId}#${subject.numberIndex}`],
      [sendLimitRules.dashboardAccountNumber1h, `${subject.accountId}#${subject.numberIndex}`],
    ]);
    if (accountWait > 0) throw tooMany(accountWait);
    return;
  }
  const tenantWait = await firstRefusal(limiter, [
    [sendLimitRules.tenantNumber10m, `${subject.accountId}#${subject.numberIndex}`],
    [sendLimitRules.tenantNumber1h, `${subject.accountId}#${subject.numberIndex}`],
  ]);
  if (tenantWait > 0) throw tooMany(tenantWait);
  const numberWait = await firstRefusal(limiter, [
    [sendLimitRules.number10m, subject.numberIndex],
    [sendLimitRules.number1h, subject.numberIndex],
  ]);
  if (numberWait > 0) throw tooMany(numberWait);
}
