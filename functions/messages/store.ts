import { createHash } from "node:crypto";
import { DeleteCommand, GetCommand, PutCommand, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import { retentionOfItem } from "../retention/settings.ts";
import { dynamoClient } from "../shared/aws.ts";
import { type Clock, epochSeconds, systemClock } from "../shared/clock.ts";
import { tableName } from "../shared/config.ts";
import { isTransactionCancelled } from "../shared/dynamo.ts";
import { numberKeyOf } from "../shared/number-key.ts";
import { DomainError } from "../shared/problem.ts";
import { parseStoredItem } from "../shared/stored-item.ts";
import type {
  AccountReader,
  AccountSettings,
  BoundCreate,
  KeyBinding,
  MessageAudience,
  MessageRepository,
  StoredMessage,
} from "./model.ts";
import { storedMessageOf } from "./stored-message.ts";
import { sendMessageResponse } from "./views.ts";

/**
 * Messages table layout: one item per message, keyed by id alone, because every lookup is by id
 * (GET /v1/messages/{id} checks the account on the item; the dispatcher and DLRs only know the id):
 *   pk=MSG#<msg_id>  sk=MESSAGE   the message (items written before 2026-12-01 may also carry an
 *                                  unused carrierRef: dropped on read)
 *   pk=IDEM#<account id>#<sha256(Idempotency-Key)>  sk=KEY   the key's binding to the message it
 *                                  created, written in the same transaction as the message (24 h TTL;
 *                                  no accountId attribute, so per-account scans of messages skip it).
 *                                  The key is hashed: up to 255 client-chosen characters stay out of
 *                                  the table's keys.
 * A message item also carries numberKey=<account id>#<blind index> (sparse GSI byNumber) and, when an
 * Idempotency-Key binding was written with it, that binding's key (idempotencyBinding), so an
 * erasure finds both without knowing the client's key.
 */
export const messageKey = (id: string) => ({ pk: `MSG#${id}`, sk: "MESSAGE" }) as const;

export const keyBindingKey = (accountId: string, idempotencyKey: string) =>
  ({
    pk: `IDEM#${accountId}#${createHash("sha256").update(idempotencyKey).digest("base64url")}`,
    sk: "KEY",
  }) as const;

/** Where the Idempotency-Key binding written with a message lives (messages or verifications table). */
export type BindingRef =
  | { readonly table: "messages"; readonly pk: string; readonly sk: string }
  | { readonly table: "verifications"; readonly pk: string };

/**
 * The item a message is stored as: its key, its fields, the byNumber index key and the reference of
 * the binding written in the same transaction. Every writer that creates a message item uses this.
 */
export function messageItem(message: StoredMessage, binding?: BindingRef): Record<string, unknown> {
  return {
    ...messageKey(message.id),
    ...message,
    ...(message.toIndex ? { numberKey: numberKeyOf(message.accountId, message.toIndex) } : {}),
    ...(binding ? { idempotencyBinding: binding } : {}),
  };
}

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
  const bindingKey = keyBindingKey(binding.accountId, binding.idempotencyKey);
  try {
    await dynamoClient().send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: table,
              Item: messageItem(message, { table: "messages", ...bindingKey }),
              ConditionExpression: "attribute_not_exists(pk)",
            },
          },
          {
            Put: {
              TableName: table,
              Item: {
                ...bindingKey,
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

/**
 * A stored message as the use cases see it, parsed (never cast) with the body read filter
 * (stored-message.ts). A malformed item throws MalformedItemError naming the field, never the value:
 * a reader cannot act on a message it cannot read (an API read answers 500, a dispatch or receipt
 * record is retried and then dead-lettered, the outbox sweeper logs it and goes on with the others).
 */
export function toStoredMessage(item: Record<string, unknown>, now = new Date()): StoredMessage {
  return storedMessageOf(item, now);
}

const storedAudience = z.object({ accountId: z.string(), callbackUrl: z.string().optional() });

/**
 * A message's audience (MessageAudience) by an eventually consistent read, half the cost of a
 * strongly consistent one. Safe because both fields are written once, by the accept, and the status
 * change that asks (a delivery report) comes after the message was claimed and submitted, which
 * read it consistently. Should a stale read still miss the item, it reads as undefined and the
 * caller records the event anyway (the outbox's behaviour before receivers were asked).
 */
export async function readMessageAudience(id: string): Promise<MessageAudience | undefined> {
  const { Item } = await dynamoClient().send(
    new GetCommand({
      TableName: tableName("messages"),
      Key: messageKey(id),
      ProjectionExpression: "accountId, callbackUrl",
    }),
  );
  const audience = storedAudience.safeParse(Item);
  if (!audience.success) return undefined;
  const { accountId, callbackUrl } = audience.data;
  return callbackUrl === undefined ? { accountId } : { accountId, callbackUrl };
}

/** The clock decides what has expired (tests move it forward; production reads the system's). */
export function dynamoMessageRepository(clock: Clock = systemClock): MessageRepository {
  return {
    async create(message) {
      await dynamoClient().send(
        new PutCommand({
          TableName: tableName("messages"),
          Item: messageItem(message),
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
      const now = clock.now();
      return Item && isLive(Item, now) ? toStoredMessage(Item, now) : undefined;
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

/** The operator-set daily limit, if the account has one (limits.messagesPerDay). */
const storedLimits = z.object({ messagesPerDay: z.int().positive().optional() });
function messagesPerDayOf(limits: unknown): { messagesPerDay?: number } {
  const parsed = storedLimits.safeParse(limits);
  return parsed.success && parsed.data.messagesPerDay !== undefined
    ? { messagesPerDay: parsed.data.messagesPerDay }
    : {};
}

/**
 * None stored: no country allowed (the send check fails closed). A stored value that is not a list of
 * country codes is refused loudly rather than read as "none" or cast into one.
 */
const storedCountries = z.object({ allowedCountries: z.array(z.string()).optional() });
const allowedCountriesOf = (item: Record<string, unknown>): string[] =>
  parseStoredItem("accounts", storedCountries, item).allowedCountries ?? [];

/**
 * Account settings (allowed countries, retention, daily limit) from pk=ACC#<id> sk=ACCOUNT, cached briefly per
 * container: they change rarely and the send path should not pay a read for them every time. A
 * retention change therefore reaches new messages within 30 s; the purge applies it to the rest.
 */
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
              allowedCountries: allowedCountriesOf(Item),
              retention: retentionOfItem(Item).retention,
              ...messagesPerDayOf(Item.limits),
            }
          : undefined;
      if (value) cache.set(accountId, { at: Date.now(), value });
      return value;
    },
  };
}
