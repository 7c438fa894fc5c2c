import { SendMessageCommand } from "@aws-sdk/client-sqs";
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import { NUMBER_INDEX } from "../../lib/catalog/privacy.ts";
import { refKey } from "../carriers/smpp/part-store.ts";
import { acceptedIdKeys } from "../carriers/smpp/receipts.ts";
import { messageKey } from "../messages/store.ts";
import { dynamoClient, sqsClient } from "../shared/aws.ts";
import { getItemsByKeys } from "../shared/batch-get.ts";
import { queueUrl, tableName } from "../shared/config.ts";
import type { FieldCipher } from "../shared/crypto.ts";
import { isConditionalCheckFailure, isTransactionCancelled, queryAll } from "../shared/dynamo.ts";
import type {
  ErasureQueue,
  ErasureStore,
  ExportStore,
  ItemRef,
  MessageRow,
  NumberItems,
  StoredReceipt,
  VerificationRow,
} from "./ports.ts";
import { ERASURE_COUNT_NAMES, type ErasureCounts, erasureCounts, erasureStatus } from "./schemas.ts";

/**
 * The privacy table: pk=ERASURE#<id> sk=RECEIPT (no phone number: counts and times only) and
 * pk=EXPORT#<id> sk=META / sk=PART#<n> (the export document, sealed, in parts under 400 KB).
 */
const receiptKey = (id: string) => ({ pk: `ERASURE#${id}`, sk: "RECEIPT" }) as const;
const exportKey = (id: string, sk: string) => ({ pk: `EXPORT#${id}`, sk }) as const;

const isoTime = z.string();
const bindingRef = z.union([
  z.object({ table: z.literal("messages"), pk: z.string(), sk: z.string() }),
  z.object({ table: z.literal("verifications"), pk: z.string() }),
]);
const messageItem = z.object({
  id: z.string(),
  accountId: z.string(),
  status: z.string(),
  country: z.string(),
  segments: z.number(),
  createdAt: isoTime,
  scheduledAt: isoTime.optional(),
  sentAt: isoTime.optional(),
  deliveredAt: isoTime.optional(),
  failedAt: isoTime.optional(),
  cancelledAt: isoTime.optional(),
  textCipher: z.string().optional(),
  idempotencyBinding: bindingRef.optional(),
});
const verificationItem = z.object({
  id: z.string(),
  accountId: z.string(),
  channel: z.string(),
  status: z.string(),
  country: z.string(),
  createdAt: isoTime,
  updatedAt: isoTime,
  approvedAt: isoTime.optional(),
});
const partItem = z.object({ sk: z.string(), carrierId: z.string(), carrierMessageId: z.string() });

function toMessageRow(item: Record<string, unknown>): MessageRow {
  const { idempotencyBinding, ...fields } = messageItem.parse(item);
  if (!idempotencyBinding) return fields;
  const { table, ...key } = idempotencyBinding;
  return { ...fields, binding: { table, key } };
}

/** Key attributes of the tables the byNumber index is on (lib/catalog/messaging.ts, verify.ts). */
const TABLE_KEYS = { messages: ["pk", "sk"], verifications: ["pk"] } as const;

/**
 * The byNumber index is eventually consistent on AWS: an item written a moment ago may be missed.
 * It projects keys only (lib/catalog/privacy.ts), so the items themselves are read by those keys; one
 * deleted in between is simply not there any more.
 */
export function dynamoNumberItems(): NumberItems {
  const byNumber = async (table: "messages" | "verifications", numberKey: string) => {
    const entries = await queryAll({
      TableName: tableName(table),
      IndexName: NUMBER_INDEX.name,
      KeyConditionExpression: "#k = :k",
      ExpressionAttributeNames: { "#k": NUMBER_INDEX.partitionKey },
      ExpressionAttributeValues: { ":k": numberKey },
    });
    return getItemsByKeys(tableName(table), TABLE_KEYS[table], entries);
  };
  return {
    async messages(numberKey) {
      return (await byNumber("messages", numberKey)).map(toMessageRow);
    },
    async verifications(numberKey): Promise<VerificationRow[]> {
      return (await byNumber("verifications", numberKey)).map((item) => verificationItem.parse(item));
    },
    async messageItems(messageId) {
      const items = await queryAll({
        TableName: tableName("messages"),
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": messageKey(messageId).pk },
        ConsistentRead: true,
      });
      const found: { ref: ItemRef; kind: "message" | "smppPart" | "smppReceiptRef" }[] = [];
      for (const item of items) {
        const { pk, sk } = z.object({ pk: z.string(), sk: z.string() }).parse(item);
        if (sk === "MESSAGE") continue; // the message goes last: a retry must still find it
        const part = partItem.safeParse(item);
        if (part.success) {
          // A part's receipt refs (SMPPID#…) name the message: they go with it.
          for (const key of acceptedIdKeys(part.data.carrierMessageId)) {
            found.push({
              ref: { table: "messages", key: refKey(part.data.carrierId, key) },
              kind: "smppReceiptRef",
            });
          }
        }
        found.push({ ref: { table: "messages", key: { pk, sk } }, kind: "smppPart" });
      }
      found.push({ ref: { table: "messages", key: messageKey(messageId) }, kind: "message" });
      return found;
    },
  };
}

const storedReceipt = z.object({
  id: z.string(),
  accountId: z.string(),
  status: erasureStatus,
  counts: z.record(z.string(), z.number()).optional(),
  requestedAt: isoTime,
  startedAt: isoTime.optional(),
  completedAt: isoTime.optional(),
  signature: z.string().optional(),
  signingKey: z.record(z.string(), z.string()).optional(),
});

/** Every count present, zero where nothing of that class was deleted. */
const allCounts = (counts: Readonly<Record<string, number>> | undefined): ErasureCounts =>
  erasureCounts.parse(Object.fromEntries(ERASURE_COUNT_NAMES.map((name) => [name, counts?.[name] ?? 0])));

function toReceipt(item: Record<string, unknown>): StoredReceipt {
  const { counts, ...rest } = storedReceipt.parse(item);
  return { ...rest, counts: allCounts(counts) };
}

const cancellationCodes = (error: unknown): readonly (string | undefined)[] =>
  ((error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? []).map((r) => r.Code);

const CONFLICT_RETRIES = 5;

export function dynamoErasureStore(): ErasureStore {
  const table = (): string => tableName("privacy");
  return {
    async create(receipt) {
      await dynamoClient().send(
        new PutCommand({
          TableName: table(),
          Item: { ...receiptKey(receipt.id), ...receipt, counts: allCounts(receipt.counts) },
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      );
    },
    async remove(id) {
      await dynamoClient().send(new DeleteCommand({ TableName: table(), Key: receiptKey(id) }));
    },
    async get(id) {
      const { Item } = await dynamoClient().send(
        new GetCommand({ TableName: table(), Key: receiptKey(id), ConsistentRead: true }),
      );
      return Item ? toReceipt(Item) : undefined;
    },
    async start(id, at) {
      try {
        const { Attributes } = await dynamoClient().send(
          new UpdateCommand({
            TableName: table(),
            Key: receiptKey(id),
            UpdateExpression: "SET #status = :running, startedAt = if_not_exists(startedAt, :at)",
            ConditionExpression: "attribute_exists(pk) AND #status IN (:pending, :running)",
            ExpressionAttributeNames: { "#status": "status" },
            ExpressionAttributeValues: { ":running": "running", ":pending": "pending", ":at": at },
            ReturnValues: "ALL_NEW",
          }),
        );
        return Attributes ? toReceipt(Attributes) : undefined;
      } catch (error) {
        if (isConditionalCheckFailure(error)) return undefined;
        throw error;
      }
    },
    async deleteCounted(erasureId, item, count) {
      for (let attempt = 1; ; attempt++) {
        try {
          await dynamoClient().send(
            new TransactWriteCommand({
              TransactItems: [
                {
                  Delete: {
                    TableName: tableName(item.table),
                    Key: item.key,
                    ConditionExpression: "attribute_exists(pk)",
                  },
                },
                {
                  Update: {
                    TableName: table(),
                    Key: receiptKey(erasureId),
                    // counts holds every class from the start (create), so ADD on a member works.
                    UpdateExpression: "ADD counts.#count :one",
                    ConditionExpression: "#status = :running",
                    ExpressionAttributeNames: { "#status": "status", "#count": count },
                    ExpressionAttributeValues: { ":one": 1, ":running": "running" },
                  },
                },
              ],
            }),
          );
          return true;
        } catch (error) {
          if (!isTransactionCancelled(error)) throw error;
          const [itemCode, receiptCode] = cancellationCodes(error);
          if (itemCode === "ConditionalCheckFailed") return false;
          if (receiptCode === "ConditionalCheckFailed") {
            throw new Error(`erasure ${erasureId} is not running`, { cause: error });
          }
          if (attempt >= CONFLICT_RETRIES) throw error;
        }
      }
    },
    async complete(id, fields) {
      await dynamoClient().send(
        new UpdateCommand({
          TableName: table(),
          Key: receiptKey(id),
          UpdateExpression:
            "SET #status = :completed, completedAt = :completedAt, signature = :signature, signingKey = :key",
          ConditionExpression: "#status = :running",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: {
            ":completed": "completed",
            ":running": "running",
            ":completedAt": fields.completedAt,
            ":signature": fields.signature,
            ":key": fields.signingKey,
          },
        }),
      );
    },
  };
}

export function sqsErasureQueue(): ErasureQueue {
  return {
    async enqueue(job) {
      await sqsClient().send(
        new SendMessageCommand({ QueueUrl: queueUrl("privacy-erasures"), MessageBody: JSON.stringify(job) }),
      );
    },
  };
}

/** Plaintext per part: sealed (base64, about 4/3) it stays well under DynamoDB's 400 KB item limit. */
const PART_CHARS = 200_000;
const exportContext = (accountId: string, id: string) => ({ accountId, field: `privacy.export.${id}` });
const exportMeta = z.object({ accountId: z.string(), parts: z.number().int(), expiresAt: z.number() });
const exportPart = z.object({ sealed: z.string() });
const partSk = (n: number): string => `PART#${String(n).padStart(5, "0")}`;

export function dynamoExportStore(cipher: FieldCipher): ExportStore {
  const table = (): string => tableName("privacy");
  return {
    async save({ id, accountId, items, document, expiresAt }) {
      const parts: string[] = [];
      for (let at = 0; at < document.length; at += PART_CHARS)
        parts.push(document.slice(at, at + PART_CHARS));
      const sealed = await Promise.all(
        parts.map((part) => cipher.encrypt(part, exportContext(accountId, id))),
      );
      // Parts first, the META item last: a reader never finds META with parts missing.
      for (const [n, part] of sealed.entries()) {
        await dynamoClient().send(
          new PutCommand({
            TableName: table(),
            Item: { ...exportKey(id, partSk(n)), sealed: part, expiresAt },
          }),
        );
      }
      await dynamoClient().send(
        new PutCommand({
          TableName: table(),
          Item: { ...exportKey(id, "META"), accountId, items, parts: sealed.length, expiresAt },
        }),
      );
    },
    async load(id, accountId, nowSeconds) {
      const { Item } = await dynamoClient().send(
        new GetCommand({ TableName: table(), Key: exportKey(id, "META"), ConsistentRead: true }),
      );
      if (!Item) return undefined;
      const meta = exportMeta.parse(Item);
      if (meta.accountId !== accountId || meta.expiresAt <= nowSeconds) return undefined;
      const parts = await queryAll({
        TableName: table(),
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :part)",
        ExpressionAttributeValues: { ":pk": `EXPORT#${id}`, ":part": "PART#" },
        ConsistentRead: true,
      });
      if (parts.length !== meta.parts)
        throw new Error(`export ${id} has ${parts.length} of ${meta.parts} parts`);
      const opened = await Promise.all(
        parts.map((part) => cipher.decrypt(exportPart.parse(part).sealed, exportContext(accountId, id))),
      );
      return opened.join("");
    },
  };
}
