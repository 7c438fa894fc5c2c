import { BatchGetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { dynamoClient } from "../shared/aws.ts";
import { epochSeconds } from "../shared/clock.ts";
import { tableName } from "../shared/config.ts";
import { type FraudCounters, type FraudSubject, slidingCount, type VelocityCounts } from "./fraud-guard.ts";

/**
 * Fraud-guard counters in the ephemeral table: one item per (account, scope, window) holding
 * `sends` and `approvals`. A start reads four items in one BatchGet (prefix + country, current +
 * previous window) and adds to two; an approval adds to two. TTL drops windows once they can no
 * longer be read.
 */
type Scope = "prefix" | "country";

const keyOf = (subject: FraudSubject, scope: Scope, windowStart: number): string =>
  `vfraud#${subject.accountId}#${scope}#${scope === "prefix" ? subject.prefix : subject.country}#${windowStart}`;

export function dynamoFraudCounters(windowSeconds: number): FraudCounters {
  const windowStartOf = (now: Date): number => {
    const seconds = epochSeconds(now);
    return seconds - (seconds % windowSeconds);
  };

  const add = async (subject: FraudSubject, now: Date, attribute: "sends" | "approvals"): Promise<void> => {
    const start = windowStartOf(now);
    await Promise.all(
      (["prefix", "country"] as const).map((scope) =>
        dynamoClient().send(
          new UpdateCommand({
            TableName: tableName("ephemeral"),
            Key: { pk: keyOf(subject, scope, start) },
            UpdateExpression: "ADD #n :one SET expiresAt = if_not_exists(expiresAt, :expires)",
            ExpressionAttributeNames: { "#n": attribute },
            ExpressionAttributeValues: { ":one": 1, ":expires": start + 2 * windowSeconds + 60 },
          }),
        ),
      ),
    );
  };

  return {
    async read(subject, now) {
      const start = windowStartOf(now);
      const previous = start - windowSeconds;
      const keys = [
        keyOf(subject, "prefix", previous),
        keyOf(subject, "prefix", start),
        keyOf(subject, "country", previous),
        keyOf(subject, "country", start),
      ];
      const items = await batchGet(keys);
      const nowSeconds = epochSeconds(now);
      const counts = (key: string): VelocityCounts => {
        const item = items.get(key);
        // Every read filters expired items: DynamoDB deletes them late.
        if (!item || Number(item.expiresAt ?? 0) <= nowSeconds) return { sends: 0, approvals: 0 };
        return { sends: Number(item.sends ?? 0), approvals: Number(item.approvals ?? 0) };
      };
      const elapsed = (nowSeconds - start) / windowSeconds;
      const combine = (prevKey: string, curKey: string): VelocityCounts => {
        const prev = counts(prevKey);
        const cur = counts(curKey);
        return {
          sends: slidingCount(prev.sends, cur.sends, elapsed),
          approvals: slidingCount(prev.approvals, cur.approvals, elapsed),
        };
      };
      return {
        prefix: combine(keys[0] as string, keys[1] as string),
        country: combine(keys[2] as string, keys[3] as string),
        retryAfterSeconds: Math.max(1, start + windowSeconds - nowSeconds),
      };
    },
    recordSend: (subject, now) => add(subject, now, "sends"),
    recordApproval: (subject, now) => add(subject, now, "approvals"),
  };
}

async function batchGet(keys: readonly string[]): Promise<Map<string, Record<string, unknown>>> {
  const table = tableName("ephemeral");
  const found = new Map<string, Record<string, unknown>>();
  let pending: Record<string, unknown>[] = keys.map((pk) => ({ pk }));
  // UnprocessedKeys happen under throttling; a few immediate retries are enough for four keys.
  for (let round = 0; round < 3 && pending.length > 0; round++) {
    const result = await dynamoClient().send(
      new BatchGetCommand({ RequestItems: { [table]: { Keys: pending, ConsistentRead: true } } }),
    );
    for (const item of result.Responses?.[table] ?? []) found.set(String(item.pk), item);
    pending = (result.UnprocessedKeys?.[table]?.Keys ?? []) as Record<string, unknown>[];
  }
  return found;
}
