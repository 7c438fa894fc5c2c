import { DeleteCommand, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { dynamoClient } from "../shared/aws.ts";
import { epochSeconds } from "../shared/clock.ts";
import { tableName } from "../shared/config.ts";
import type { AccountReader, AccountSettings, MessageRepository, StoredMessage } from "./model.ts";

/**
 * Messages table layout: one item per message, keyed by id alone, because every lookup is by id
 * (GET /v1/messages/{id} checks the account on the item; the dispatcher and DLRs only know the id):
 *   pk=MSG#<msg_id>  sk=MESSAGE   the message; carrierRef=<carrierId>#<carrierMessageId> once sent
 *                                  (sparse GSI byCarrierRef, for carriers whose DLRs lack our reference)
 */
export const messageKey = (id: string) => ({ pk: `MSG#${id}`, sk: "MESSAGE" }) as const;

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
            }
          : undefined;
      if (value) cache.set(accountId, { at: Date.now(), value });
      return value;
    },
  };
}
