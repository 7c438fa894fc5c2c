/**
 * Readers of keys-only indexes get the base items by the keys the index returns
 * (functions/shared/batch-get.ts): in the index's order, each once, without the ones deleted since,
 * and past BatchGetItem's 100 keys per request.
 */
import { randomBytes } from "node:crypto";
import { BatchWriteCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { dynamoClient } from "../../functions/shared/aws.ts";
import { getItemsByKeys } from "../../functions/shared/batch-get.ts";
import { epochSeconds } from "../../functions/shared/clock.ts";
import { tableName } from "../../functions/shared/config.ts";
import { useLocalPlatformEnv } from "../support/env.ts";

useLocalPlatformEnv();

const KEYS = ["pk", "sk"] as const;
const inADay = () => epochSeconds(new Date()) + 24 * 3600;

async function putItems(prefix: string, count: number): Promise<Record<string, unknown>[]> {
  const items = Array.from({ length: count }, (_, n) => ({
    pk: `TEST#${prefix}#${n}`,
    sk: "ITEM",
    n,
    payload: randomBytes(32).toString("hex"),
    expiresAt: inADay(),
  }));
  for (let start = 0; start < items.length; start += 25) {
    await dynamoClient().send(
      new BatchWriteCommand({
        RequestItems: {
          [tableName("messages")]: items.slice(start, start + 25).map((Item) => ({ PutRequest: { Item } })),
        },
      }),
    );
  }
  return items;
}

/** What a keys-only index entry holds: the table's keys (and the index's own, here none). */
const entryOf = (item: Record<string, unknown>) => ({ pk: item.pk, sk: item.sk });

describe("reading the base items behind keys-only index entries", () => {
  it("returns every item in the entries' order, each once, leaving out keys with no item", async () => {
    const prefix = randomBytes(6).toString("hex");
    const items = await putItems(prefix, 3);
    const [first, second, third] = items.map(entryOf) as [object, object, object];
    const missing = { pk: `TEST#${prefix}#gone`, sk: "ITEM" };

    const read = await getItemsByKeys(tableName("messages"), KEYS, [third, missing, first, second, first]);

    expect(read.map((item) => item.n)).toEqual([2, 0, 1]);
    expect(read[0]).toEqual(items[2]);
  });

  it("reads more than one BatchGetItem request's worth (100 keys)", async () => {
    const prefix = randomBytes(6).toString("hex");
    const items = await putItems(prefix, 130);

    const read = await getItemsByKeys(tableName("messages"), KEYS, items.map(entryOf));

    expect(read.map((item) => item.n)).toEqual(items.map((item) => item.n));
  });

  it("reads the item as it is now, not as the index saw it", async () => {
    const prefix = randomBytes(6).toString("hex");
    const [item] = await putItems(prefix, 1);
    const entry = entryOf(item as Record<string, unknown>);
    await dynamoClient().send(
      new PutCommand({ TableName: tableName("messages"), Item: { ...entry, n: 42, expiresAt: inADay() } }),
    );

    const [read] = await getItemsByKeys(tableName("messages"), KEYS, [entry]);

    expect(read?.n).toBe(42);
  });
});
