import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { dynamoClient } from "../shared/aws.ts";
import { getItemsByKeys } from "../shared/batch-get.ts";
import { epochSeconds } from "../shared/clock.ts";
import { tableName } from "../shared/config.ts";
import {
  type FraudCounters,
  type FraudSnapshot,
  type FraudSubject,
  slidingCount,
  type VelocityCounts,
} from "./fraud-guard.ts";

/**
 * Fraud-guard counters in the ephemeral table: one item per (namespace, account, scope, window) holding
 * `sends` and `approvals`. A start reads four items in one BatchGet (prefix + country, current +
 * previous window) and adds to two; an approval adds to two. TTL drops windows once they can no
 * longer be read.
 */
type Scope = "prefix" | "country";

const counterPrefix = { api: "vfraud", dashboard: "vfraud2fa" } as const;

const keyOf = (subject: FraudSubject, scope: Scope, windowStart: number): string =>
  `${counterPrefix[subject.namespace]}#${subject.accountId}#${scope}#${scope === "prefix" ? subject.prefix : subject.country}#${windowStart}`;

export function dynamoFraudCounters(windowSeconds: number): FraudCounters {
  const windowStartOf = (now: Date): number => {
    const seconds = epochSeconds(now);
    return seconds - (seconds % windowSeconds);
  };

  /** ADDs `delta` to one attribute of the current prefix and country windows; returns the new items. */
  const add = (subject: FraudSubject, now: Date, attribute: "sends" | "approvals", delta: number) => {
    const start = windowStartOf(now);
    return Promise.all(
      (["prefix", "country"] as const).map(async (scope) => {
        const result = await dynamoClient().send(
          new UpdateCommand({
            TableName: tableName("ephemeral"),
            Key: { pk: keyOf(subject, scope, start) },
            UpdateExpression: "ADD #n :delta SET expiresAt = if_not_exists(expiresAt, :expires)",
            ExpressionAttributeNames: { "#n": attribute },
            ExpressionAttributeValues: { ":delta": delta, ":expires": start + 2 * windowSeconds + 60 },
            ReturnValues: "ALL_NEW",
          }),
        );
        return result.Attributes ?? {};
      }),
    );
  };

  const countsOf = (item: Record<string, unknown> | undefined, nowSeconds: number): VelocityCounts => {
    // Every read filters expired items: DynamoDB deletes them late.
    if (!item || Number(item.expiresAt ?? 0) <= nowSeconds) return { sends: 0, approvals: 0 };
    return { sends: Number(item.sends ?? 0), approvals: Number(item.approvals ?? 0) };
  };

  const combine = (prev: VelocityCounts, cur: VelocityCounts, elapsed: number): VelocityCounts => ({
    sends: slidingCount(prev.sends, cur.sends, elapsed),
    approvals: slidingCount(prev.approvals, cur.approvals, elapsed),
  });

  const snapshotOf = (
    now: Date,
    items: {
      prevPrefix?: Record<string, unknown>;
      curPrefix?: Record<string, unknown>;
      prevCountry?: Record<string, unknown>;
      curCountry?: Record<string, unknown>;
    },
  ): FraudSnapshot => {
    const nowSeconds = epochSeconds(now);
    const start = windowStartOf(now);
    const elapsed = (nowSeconds - start) / windowSeconds;
    return {
      prefix: combine(countsOf(items.prevPrefix, nowSeconds), countsOf(items.curPrefix, nowSeconds), elapsed),
      country: combine(
        countsOf(items.prevCountry, nowSeconds),
        countsOf(items.curCountry, nowSeconds),
        elapsed,
      ),
      retryAfterSeconds: Math.max(1, start + windowSeconds - nowSeconds),
    };
  };

  return {
    async read(subject, now) {
      const start = windowStartOf(now);
      const previous = start - windowSeconds;
      const keys = {
        prevPrefix: keyOf(subject, "prefix", previous),
        curPrefix: keyOf(subject, "prefix", start),
        prevCountry: keyOf(subject, "country", previous),
        curCountry: keyOf(subject, "country", start),
      };
      const items = await batchGet(Object.values(keys));
      return snapshotOf(now, {
        prevPrefix: items.get(keys.prevPrefix),
        curPrefix: items.get(keys.curPrefix),
        prevCountry: items.get(keys.prevCountry),
        curCountry: items.get(keys.curCountry),
      });
    },
    async reserveSend(subject, now) {
      const previous = windowStartOf(now) - windowSeconds;
      const prevKeys = [keyOf(subject, "prefix", previous), keyOf(subject, "country", previous)] as const;
      const [[curPrefix, curCountry], before] = await Promise.all([
        add(subject, now, "sends", 1),
        batchGet(prevKeys),
      ]);
      return snapshotOf(now, {
        prevPrefix: before.get(prevKeys[0]),
        curPrefix,
        prevCountry: before.get(prevKeys[1]),
        curCountry,
      });
    },
    async releaseSend(subject, now) {
      await add(subject, now, "sends", -1);
    },
    async recordApproval(subject, now) {
      await add(subject, now, "approvals", 1);
    },
  };
}

/**
 * The counters items of `keys` (ephemeral table, pk only), strongly consistent. Keys DynamoDB leaves
 * unprocessed are retried with backoff and the read fails rather than taking a throttled window for
 * an empty one (functions/shared/batch-get.ts): the guard must not see fewer sends than there were.
 */
async function batchGet(keys: readonly string[]): Promise<Map<string, Record<string, unknown>>> {
  const items = await getItemsByKeys(
    tableName("ephemeral"),
    ["pk"],
    keys.map((pk) => ({ pk })),
  );
  return new Map(items.map((item) => [String(item.pk), item]));
}
