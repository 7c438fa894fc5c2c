import { createHash } from "node:crypto";
import { DeleteCommand, GetCommand, PutCommand, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import { dynamoClient } from "../shared/aws.ts";
import { epochSeconds } from "../shared/clock.ts";
import { tableName } from "../shared/config.ts";
import { isTransactionCancelled } from "../shared/dynamo.ts";
import { DomainError } from "../shared/problem.ts";
import type {
  AccountReader,
  AccountSettings,
  BoundCreate,
  KeyBinding,
  MessageRepository,
  StoredMessage,
} from "./model.ts";
import { sendMessageResponse } from "./schemas.ts";

/**
 * Messages table layout: one item per message, keyed by id alone, because every lookup is by id
 * (GET /v1/messages/{id} checks the account on the item; the dispatcher and DLRs only know the id):
 *   pk=MSG#<msg_id>  sk=MESSAGE   the message; carrierRef=<carrierId>#<carrierMessageId> once sent
 *                                  (sparse GSI byCarrierRef, for carriers whose DLRs lack our reference)
 *   pk=IDEM#<account id>#<sha256(Idempotency-Key)>  sk=KEY   the key's binding to the message it
 *                                  created, written in the same transaction as the message (24 h TTL;
 *                                  no accountId attribute, so per-account scans of messages skip it).
 *                                  The key is hashed: up to 255 client-chosen characters stay out of
 *                                  the table's keys.
 */
export const messageKey = (id: string) => ({ pk: `MSG#${id}`, sk: "MESSAGE" }) as const;

export const keyBindingKey = (accountId: string, idempotencyKey: string) =>
  ({
    pk: `IDEM#${accountId}#${createHash("sha256").update(idempotencyKey).digest("base64url")}`,
    sk: "KEY",
  }) as const;

const storedBinding = z.object({
  messageId: z.string(),
  requestHash: z.string(),
  response: sendMessageResponse,
  expiresAt: z.number(),
});

/** Reads a key's live binding (consistent), mapped field by field. */
async function findBinding(accountId: string, idempotencyKey: string): Promise<KeyBinding | undefined> {
  const { Item } = await dynamoClient().send(
    new GetCommand({
      TableName: tableName("messages"),
      Key: keyBindingKey(accountId, idempotencyKey),
      ConsistentRead: true,
    }),
  );
  if (!Item || !isLive(Item)) return undefined;
  const stored = storedBinding.parse(Item);
  return { accountId, idempotencyKey, ...stored };
}

/** Which transaction items lost: [message, binding] reasons ("ConditionalCheckFailed", "TransactionConflict", "None"). */
const cancellationCodes = (error: unknown): readonly (string | undefined)[] =>
  ((error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? []).map((r) => r.Code);

async function createBound(message: StoredMessage, binding: KeyBinding): Promise<BoundCreate> {
  const table = tableName("messages");
  try {
    await dynamoClient().send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: table,
              Item: { ...messageKey(message.id), ...message },
              ConditionExpression: "attribute_not_exists(pk)",
            },
          },
          {
            Put: {
              TableName: table,
              Item: {
                ...keyBindingKey(binding.accountId, binding.idempotencyKey),
                messageId: binding.messageId,
                requestHash: binding.requestHash,
                response: binding.response,
                createdAt: message.createdAt,
                expiresAt: binding.expiresAt,
              },
              // A binding past its TTL that DynamoDB has not deleted yet no longer holds the key.
              ConditionExpression: "attribute_not_exists(pk) OR expiresAt <= :now",
              ExpressionAttributeValues: { ":now": epochSeconds(new Date()) },
            },
          },
        ],
      }),
    );
    return { created: true };
  } catch (error) {
    const bindingLost = isTransactionCancelled(error) && cancellationCodes(error)[1] !== "None";
    if (!bindingLost) throw error;
    // The key is taken (or a concurrent request with it is committing right now): read who holds it.
    const existing = await findBinding(binding.accountId, binding.idempotencyKey);
    if (existing) return { created: false, existing };
    throw new DomainError(
      "idempotency-in-progress",
      "A request with this Idempotency-Key is still being processed; retry shortly",
      {},
      { "Retry-After": "1" },
    );
  }
}

/** DynamoDB deletes expired items late (and DynamoDB Local never does): treat them as gone. */
export const isLive = (item: { expiresAt?: unknown } | undefined, now = new Date()): boolean =>
  !!item && (typeof item.expiresAt !== "number" || item.expiresAt > epochSeconds(now));

export function toStoredMessage(item: Record<string, unknown>): StoredMessage {
  const { pk: _pk, sk: _sk, carrierRef: _ref, ...message } = item;
  return message as unknown as StoredMessage;
}

export function dynamoMessageRepository(): MessageRepository {
  return {
    async create(message) {
      await dynamoClient().send(
        new PutCommand({
          TableName: tableName("messages"),
          Item: { ...messageKey(message.id), ...message },
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      );
    },
    createBound,
    findBinding,
    async get(id) {
      const { Item } = await dynamoClient().send(
        new GetCommand({ TableName: tableName("messages"), Key: messageKey(id), ConsistentRead: true }),
      );
      return Item && isLive(Item) ? toStoredMessage(Item) : undefined;
    },
    async discard(id) {
      await dynamoClient().send(
        new DeleteCommand({
          TableName: tableName("messages"),
          Key: messageKey(id),
          ConditionExpression: "#status IN (:queued, :scheduled)",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: { ":queued": "queued", ":scheduled": "scheduled" },
        }),
      );
    },
  };
}

const ACCOUNT_CACHE_MS = 30_000;

/**
 * Account settings (allowed countries, retention) from pk=ACC#<id> sk=ACCOUNT, cached briefly per
 * container: they change rarely and the send path should not pay a read for them every time.
 */
/** The operator-set daily limit, if the account has one (limits.messagesPerDay). */
const storedLimits = z.object({ messagesPerDay: z.int().positive().optional() });
function messagesPerDayOf(limits: unknown): { messagesPerDay?: number } {
  const parsed = storedLimits.safeParse(limits);
  return parsed.success && parsed.data.messagesPerDay !== undefined
    ? { messagesPerDay: parsed.data.messagesPerDay }
    : {};
}

export function dynamoAccountReader(): AccountReader {
  const cache = new Map<string, { at: number; value: AccountSettings | undefined }>();
  return {
    async getAccount(accountId) {
      const hit = cache.get(accountId);
      if (hit && Date.now() - hit.at < ACCOUNT_CACHE_MS) return hit.value;
      const { Item } = await dynamoClient().send(
        new GetCommand({ TableName: tableName("accounts"), Key: { pk: `ACC#${accountId}`, sk: "ACCOUNT" } }),
      );
      const value =
        Item && isLive(Item) && Item.status !== "disabled"
          ? {
              accountId,
              allowedCountries: Array.isArray(Item.allowedCountries)
                ? (Item.allowedCountries as string[])
                : [],
              retentionDays: typeof Item.retentionDays === "number" ? Item.retentionDays : 30,
              ...messagesPerDayOf(Item.limits),
            }
          : undefined;
      if (value) cache.set(accountId, { at: Date.now(), value });
      return value;
    },
  };
}
