import { randomBytes } from "node:crypto";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, PutCommand, ScanCommand } from "@aws-sdk/lib-dynamodb";
import { beforeAll, describe, expect, test } from "vitest";
import type { TableSpec } from "../../lib/catalog/index.ts";
import { ensureTable } from "../../local/resources.ts";
import { startTtlSweeper } from "../../local/ttl-sweeper.ts";
import { useLocalPlatformEnv } from "../support/env.ts";

useLocalPlatformEnv();
const spec: TableSpec = {
  id: "ttl-test",
  purpose: "test",
  partitionKey: "pk",
  sortKey: "sk",
  ttlAttribute: "expiresAt",
};
const name = `textgate-test-ttl-${randomBytes(4).toString("hex")}`;
let db: DynamoDBDocumentClient;

beforeAll(async () => {
  const raw = new DynamoDBClient({});
  // DynamoDB Local 1.25 deletes expired items itself (late, in batches) on TTL-enabled tables; the
  // table is created without TTL so that only the sweeper under test deletes anything.
  const { ttlAttribute: _ttl, ...withoutTtl } = spec;
  await ensureTable(raw, withoutTtl, name);
  db = DynamoDBDocumentClient.from(raw);
});

const now = Math.floor(Date.now() / 1000);
const put = (pk: string, expiresAt: unknown) =>
  db.send(
    new PutCommand({
      TableName: name,
      Item: { pk, sk: "A", ...(expiresAt === undefined ? {} : { expiresAt }) },
    }),
  );
const exists = async (pk: string) =>
  (await db.send(new GetCommand({ TableName: name, Key: { pk, sk: "A" }, ConsistentRead: true }))).Item !==
  undefined;

describe("TTL sweeper", () => {
  test("deletes expired items and keeps the rest, across scan pages", async () => {
    const expired = Array.from({ length: 30 }, (_, i) => `expired-${i}`);
    await Promise.all(expired.map((pk) => put(pk, now - 60)));
    await put("future", now + 3600);
    await put("no-ttl", undefined);
    await put("string-ttl", String(now - 60)); // AWS TTL ignores non-Number values
    await put("ancient", now - 6 * 365 * 24 * 3600); // and values more than 5 years old

    const sweeper = startTtlSweeper({
      tables: [{ name, spec }],
      intervalSeconds: 3600,
      pageSize: 7,
      onError: () => {},
    });
    try {
      expect(await sweeper.sweepOnce()).toBe(expired.length);
    } finally {
      await sweeper.stop();
    }
    for (const pk of expired) expect(await exists(pk)).toBe(false);
    for (const pk of ["future", "no-ttl", "string-ttl", "ancient"]) expect(await exists(pk)).toBe(true);
    const { Items } = await db.send(new ScanCommand({ TableName: name }));
    expect(Items?.map((i) => i.pk).sort()).toEqual(["ancient", "future", "no-ttl", "string-ttl"]);
  });

  test("an item renewed between the scan and the delete survives (conditional delete)", async () => {
    await put("renewed", now - 10);
    const client = new DynamoDBClient({});
    // Renew the item right before the sweeper's DeleteItem reaches DynamoDB.
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === "DeleteItemCommand") await put("renewed", now + 3600);
        return next(args);
      },
      { step: "initialize" },
    );
    const sweeper = startTtlSweeper({
      tables: [{ name, spec }],
      intervalSeconds: 3600,
      client,
      onError: () => {},
    });
    try {
      expect(await sweeper.sweepOnce()).toBe(0);
    } finally {
      await sweeper.stop();
    }
    expect(await exists("renewed")).toBe(true);
  });
});
