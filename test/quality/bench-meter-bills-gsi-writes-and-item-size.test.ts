import { CreateTableCommand, DeleteTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installSdkMeter, type SdkMeter } from "../../bench/sdk-meter.ts";
import { useLocalPlatformEnv } from "../support/env.ts";

/**
 * The cost model bills DynamoDB writes as DynamoDB reports them: an item over 1 KB costs a unit per
 * started KB, and each write of an item rewrites its entry in every ALL-projected GSI it is in.
 * Counting requests (one unit each) missed both.
 */
const env = useLocalPlatformEnv();
const table = `bench-meter-${Date.now()}`;
const client = new DynamoDBClient({ endpoint: env.AWS_ENDPOINT_URL_DYNAMODB });
const documents = DynamoDBDocumentClient.from(client);
let meter: SdkMeter;

beforeAll(async () => {
  await client.send(
    new CreateTableCommand({
      TableName: table,
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: [
        { AttributeName: "pk", AttributeType: "S" },
        { AttributeName: "indexKey", AttributeType: "S" },
      ],
      KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
      GlobalSecondaryIndexes: [
        {
          IndexName: "byIndexKey",
          KeySchema: [{ AttributeName: "indexKey", KeyType: "HASH" }],
          Projection: { ProjectionType: "ALL" },
        },
      ],
    }),
  );
  meter = installSdkMeter();
});

afterAll(async () => {
  meter?.uninstall();
  await client.send(new DeleteTableCommand({ TableName: table }));
});

describe("the bench's SDK meter", () => {
  it("adds the capacity DynamoDB reports per command and table, base table and GSI apart", async () => {
    meter.reset();
    // 1.5 KB: two write units per write of the item, in the table and in the index.
    const payload = "x".repeat(1500);
    await documents.send(new PutCommand({ TableName: table, Item: { pk: "a", indexKey: "k", payload } }));
    await documents.send(
      new UpdateCommand({
        TableName: table,
        Key: { pk: "a" },
        UpdateExpression: "SET #status = :status",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: { ":status": "sent" },
      }),
    );
    await documents.send(new PutCommand({ TableName: table, Item: { pk: "b", status: "small" } }));
    const byTarget = Object.fromEntries(
      Object.entries(meter.consumed.byTarget).map(([target, sums]) => [target.split(" ")[0], sums]),
    );
    expect(byTarget.Put).toEqual({ requests: 2, base: 3, gsi: 2 });
    expect(byTarget.Update).toEqual({ requests: 1, base: 2, gsi: 2 });
    expect(meter.consumed.wcu).toBe(9);
    expect(meter.consumed.gsiWcu).toBe(4);
    expect(meter.consumed.failedWrites).toBe(0);
  });
});
