/**
 * Index write cost of status updates (issue 14): a message or verification that sits in every index
 * it can be in (byNumber, outbox) is updated the way the pipeline updates it, and
 * DynamoDB's ReturnConsumedCapacity says which indexes the update wrote. With indexes that project
 * every attribute, each such update re-wrote the whole 1–2 KB item into each index; with the
 * catalogue's keys-only projections an update that changes no index key writes none.
 */
import { randomBytes } from "node:crypto";
import { PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { dynamoClient } from "../../functions/shared/aws.ts";
import { epochSeconds } from "../../functions/shared/clock.ts";
import { tableName } from "../../functions/shared/config.ts";
import { NUMBER_INDEX } from "../../lib/catalog/privacy.ts";
import { OUTBOX_INDEX } from "../../lib/catalog/webhooks.ts";
import { useLocalPlatformEnv } from "../support/env.ts";

useLocalPlatformEnv();

const unique = () => randomBytes(8).toString("hex");
/** Two ciphertexts' worth of attributes: what makes a message item 1–2 KB. */
const ciphertext = () => randomBytes(600).toString("base64");
const inAWeek = () => epochSeconds(new Date()) + 7 * 24 * 3600;

/** Write units each index consumed, as DynamoDB reports them (absent: the index was not written). */
async function indexWritesOf(update: UpdateCommand): Promise<Record<string, number>> {
  update.input.ReturnConsumedCapacity = "INDEXES";
  const { ConsumedCapacity } = await dynamoClient().send(update);
  expect(ConsumedCapacity?.Table?.CapacityUnits).toBeGreaterThan(0);
  return Object.fromEntries(
    Object.entries(ConsumedCapacity?.GlobalSecondaryIndexes ?? {}).map(([name, used]) => [
      name,
      used.CapacityUnits ?? 0,
    ]),
  );
}

describe("status updates write no index whose keys they leave alone", () => {
  it("a sent message updated to delivered writes neither byNumber nor outbox", async () => {
    const id = `msg_${unique()}`;
    const key = { pk: `MSG#${id}`, sk: "MESSAGE" };
    await dynamoClient().send(
      new PutCommand({
        TableName: tableName("messages"),
        Item: {
          ...key,
          id,
          accountId: `acc_${unique()}`,
          status: "sent",
          toCipher: ciphertext(),
          textCipher: ciphertext(),
          [NUMBER_INDEX.partitionKey]: `acc#${unique()}`,
          [OUTBOX_INDEX.partitionKey]: "OUTBOX#1",
          [OUTBOX_INDEX.sortKey]: new Date().toISOString(),
          expiresAt: inAWeek(),
        },
      }),
    );

    // As the DLR path writes it (functions/messages/state-store.ts applyReport).
    const writes = await indexWritesOf(
      new UpdateCommand({
        TableName: tableName("messages"),
        Key: key,
        UpdateExpression:
          "SET #status = :delivered, deliveredAt = :at, carrierMessageId = :cm REMOVE textCipher",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: {
          ":delivered": "delivered",
          ":at": new Date().toISOString(),
          ":cm": unique(),
        },
      }),
    );

    expect(writes).toEqual({});
  });

  it("a check attempt on a pending verification writes neither byNumber nor outbox", async () => {
    const pk = `ver_${unique()}`;
    await dynamoClient().send(
      new PutCommand({
        TableName: tableName("verifications"),
        Item: {
          pk,
          id: pk,
          status: "pending",
          toCipher: ciphertext(),
          codeHash: ciphertext(),
          attempts: 0,
          [NUMBER_INDEX.partitionKey]: `acc#${unique()}`,
          [OUTBOX_INDEX.partitionKey]: "OUTBOX#2",
          [OUTBOX_INDEX.sortKey]: new Date().toISOString(),
          expiresAt: inAWeek(),
        },
      }),
    );

    const writes = await indexWritesOf(
      new UpdateCommand({
        TableName: tableName("verifications"),
        Key: { pk },
        UpdateExpression: "SET updatedAt = :at ADD attempts :one",
        ExpressionAttributeValues: { ":at": new Date().toISOString(), ":one": 1 },
      }),
    );

    expect(writes).toEqual({});
  });

  it("an update that does change an index key still writes that index (the measure can see writes)", async () => {
    const id = `msg_${unique()}`;
    const key = { pk: `MSG#${id}`, sk: "MESSAGE" };
    await dynamoClient().send(
      new PutCommand({
        TableName: tableName("messages"),
        Item: { ...key, id, status: "queued", textCipher: ciphertext(), expiresAt: inAWeek() },
      }),
    );

    const writes = await indexWritesOf(
      new UpdateCommand({
        TableName: tableName("messages"),
        Key: key,
        // As a status change that owes a webhook event marks the item for the outbox.
        UpdateExpression: "SET #status = :sent, #shard = :shard, #due = :due",
        ExpressionAttributeNames: {
          "#status": "status",
          "#shard": OUTBOX_INDEX.partitionKey,
          "#due": OUTBOX_INDEX.sortKey,
        },
        ExpressionAttributeValues: {
          ":sent": "sent",
          ":shard": "OUTBOX#3",
          ":due": new Date().toISOString(),
        },
      }),
    );

    expect(Object.keys(writes)).toEqual([OUTBOX_INDEX.name]);
  });
});
