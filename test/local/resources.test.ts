import { randomBytes } from "node:crypto";
import { DescribeTableCommand, DescribeTimeToLiveCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { beforeAll, describe, expect, test } from "vitest";
import { catalog, envNames, type IndexSpec, physicalName, type TableSpec } from "../../lib/catalog/index.ts";
import { createResources, ensureQueue, ensureTable } from "../../local/resources.ts";
import { useLocalPlatformEnv } from "../support/env.ts";

const env = useLocalPlatformEnv();
let dynamo: DynamoDBClient;
let sqs: SQSClient;
beforeAll(() => {
  dynamo = new DynamoDBClient({});
  sqs = new SQSClient({});
});

/**
 * DynamoDB Local keeps a new or deleted index in CREATING/DELETING for several seconds (about 8 s per
 * change measured alone, more while the whole suite loads the same emulator), and the reconcile path
 * waits for each change as it must on AWS: these tests get room for two or three changes.
 */
const INDEX_CHANGE_TIMEOUT_MS = 120_000;

describe("catalogue resources in the emulators", () => {
  test("every catalogue table exists with its keys, indexes and TTL, named in env", async () => {
    for (const table of catalog.tables) {
      const name = env[envNames.table(table.id)];
      expect(name).toBe(physicalName("local", table.id));
      const { Table } = await dynamo.send(new DescribeTableCommand({ TableName: name }));
      expect(Table?.KeySchema?.map((k) => k.AttributeName)).toEqual([
        table.partitionKey,
        ...(table.sortKey ? [table.sortKey] : []),
      ]);
      expect((Table?.GlobalSecondaryIndexes ?? []).map((i) => i.IndexName).sort()).toEqual(
        (table.indexes ?? []).map((i) => i.name).sort(),
      );
      if (table.ttlAttribute) {
        const ttl = await dynamo.send(new DescribeTimeToLiveCommand({ TableName: name }));
        expect(ttl.TimeToLiveDescription).toMatchObject({
          TimeToLiveStatus: "ENABLED",
          AttributeName: table.ttlAttribute,
        });
      }
    }
  });

  test("every catalogue queue has its visibility, retention and a DLQ redrive", async () => {
    for (const queue of catalog.queues) {
      const url = env[envNames.queueUrl(queue.id)] as string;
      const { Attributes } = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["All"] }),
      );
      expect(Attributes?.VisibilityTimeout).toBe(String(queue.visibilityTimeoutSeconds));
      expect(Attributes?.MessageRetentionPeriod).toBe(String(queue.retentionDays * 86_400));
      const redrive = JSON.parse(Attributes?.RedrivePolicy ?? "{}") as Record<string, unknown>;
      expect(Number(redrive.maxReceiveCount)).toBe(queue.maxReceiveCount);
      expect(redrive.deadLetterTargetArn).toMatch(new RegExp(`:${physicalName("local", queue.id)}-dlq$`));
    }
  });

  test("creating everything again is harmless (second start with --persist)", async () => {
    const again = await createResources({ stage: "local" });
    for (const [name, value] of Object.entries(again.env)) expect(env[name]).toBe(value);
  });

  test(
    "a persisted table from an older catalogue gains a newly added index",
    async () => {
      const name = `textgate-test-gsi-${randomBytes(4).toString("hex")}`;
      const before: TableSpec = { id: "t", purpose: "test", partitionKey: "pk", ttlAttribute: "expiresAt" };
      await ensureTable(dynamo, before, name);
      const keysOnly = { type: "keys" } as const;
      await ensureTable(
        dynamo,
        { ...before, indexes: [{ name: "byRef", partitionKey: "ref", projection: keysOnly }] },
        name,
      );
      const { Table } = await dynamo.send(new DescribeTableCommand({ TableName: name }));
      expect(Table?.GlobalSecondaryIndexes?.map((i) => i.IndexName)).toEqual(["byRef"]);
    },
    INDEX_CHANGE_TIMEOUT_MS,
  );

  test(
    "a persisted table drops an index the catalogue renamed (a changed projection gets a new name)",
    async () => {
      const name = `textgate-test-gsi-${randomBytes(4).toString("hex")}`;
      const table = (index: IndexSpec): TableSpec => ({
        id: "t",
        purpose: "test",
        partitionKey: "pk",
        indexes: [index],
      });
      await ensureTable(
        dynamo,
        table({ name: "byRef", partitionKey: "ref", projection: { type: "all" } }),
        name,
      );
      await ensureTable(
        dynamo,
        table({ name: "byRef-keys", partitionKey: "ref", projection: { type: "keys" } }),
        name,
      );
      const { Table } = await dynamo.send(new DescribeTableCommand({ TableName: name }));
      expect(Table?.GlobalSecondaryIndexes?.map((i) => [i.IndexName, i.Projection?.ProjectionType])).toEqual([
        ["byRef-keys", "KEYS_ONLY"],
      ]);
    },
    INDEX_CHANGE_TIMEOUT_MS,
  );

  test("every index is created with the catalogue's projection", async () => {
    const expected = { keys: "KEYS_ONLY", include: "INCLUDE", all: "ALL" } as const;
    for (const spec of catalog.tables.filter((t) => (t.indexes ?? []).length > 0)) {
      const { Table } = await dynamo.send(
        new DescribeTableCommand({ TableName: env[envNames.table(spec.id)] }),
      );
      const created = Object.fromEntries(
        (Table?.GlobalSecondaryIndexes ?? []).map((i) => [i.IndexName, i.Projection?.ProjectionType]),
      );
      const declared = Object.fromEntries(
        (spec.indexes ?? []).map((i) => [i.name, expected[i.projection.type]]),
      );
      expect(created).toEqual(declared);
    }
  });

  test("queue ids map to URLs the SDK can use directly", async () => {
    const queue = await ensureQueue(
      sqs,
      { id: "x", purpose: "test", visibilityTimeoutSeconds: 5, maxReceiveCount: 1, retentionDays: 1 },
      `textgate-test-url-${randomBytes(4).toString("hex")}`,
    );
    expect(new URL(queue.url).host).toBe(new URL(sqsEndpoint()).host);
  });
});

function sqsEndpoint(): string {
  return env.AWS_ENDPOINT_URL_SQS as string;
}
