import { GetCommand, TransactWriteCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { dynamoClient } from "../shared/aws.ts";
import { tableName } from "../shared/config.ts";
import { isConditionalCheckFailure, isTransactionCancelled } from "../shared/dynamo.ts";
import type { VerificationNamespace } from "./limits.ts";
import type { VerificationRecord, VerificationStore, WriteOutcome } from "./ports.ts";

/**
 * Verifications in the `verifications` table:
 *   pk=<ver_id>                          the verification (code only as HMAC, number encrypted)
 *   pk=cur#<accountId>#<number index>    pointer to the latest API verification of that number, so
 *                                        a new start resends instead of opening a fresh one
 *   pk=cur2fa#<accountId>#<number index> the same for dashboard sign-in codes: a tenant's start to
 *                                        the same number never lands on (resends) a login code
 * Every access checks accountId in the item (another account's id reads as not found), and every
 * read ignores items past their TTL.
 */
const pointerKey = (namespace: VerificationNamespace, accountId: string, toIndex: string): string =>
  `${namespace === "dashboard" ? "cur2fa" : "cur"}#${accountId}#${toIndex}`;

const isConditionFailure = (error: unknown): boolean =>
  isConditionalCheckFailure(error) || isTransactionCancelled(error);

async function conditional(write: () => Promise<unknown>): Promise<WriteOutcome> {
  try {
    await write();
    return "ok";
  } catch (error) {
    if (isConditionFailure(error)) return "conflict";
    throw error;
  }
}

function live<T extends Record<string, unknown>>(item: T | undefined, nowSeconds: number): T | undefined {
  if (!item) return undefined;
  return Number(item.expiresAt ?? 0) > nowSeconds ? item : undefined;
}

function toRecord(item: Record<string, unknown>): VerificationRecord {
  const { pk: _pk, namespace, ...rest } = item;
  // Items written before namespaces existed were all API verifications.
  const owned = { ...rest, namespace: namespace === "dashboard" ? "dashboard" : "api" };
  return owned as unknown as VerificationRecord;
}

export function dynamoVerificationStore(): VerificationStore {
  const table = (): string => tableName("verifications");
  const read = async (pk: string): Promise<Record<string, unknown> | undefined> =>
    (await dynamoClient().send(new GetCommand({ TableName: table(), Key: { pk }, ConsistentRead: true })))
      .Item;

  const store: VerificationStore = {
    async get(id, nowSeconds) {
      const item = live(await read(id), nowSeconds);
      return item ? toRecord(item) : undefined;
    },

    async current(namespace, accountId, toIndex, nowSeconds) {
      const pointer = live(await read(pointerKey(namespace, accountId, toIndex)), nowSeconds);
      const pointerId = typeof pointer?.verificationId === "string" ? pointer.verificationId : undefined;
      if (!pointerId) return {};
      const record = await store.get(pointerId, nowSeconds);
      return record && record.accountId === accountId && record.namespace === namespace
        ? { pointerId, record }
        : { pointerId };
    },

    create(record, replacing, nowSeconds) {
      return conditional(() =>
        dynamoClient().send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Put: {
                  TableName: table(),
                  Item: { pk: record.id, ...record },
                  ConditionExpression: "attribute_not_exists(pk)",
                },
              },
              {
                Put: {
                  TableName: table(),
                  Item: {
                    pk: pointerKey(record.namespace, record.accountId, record.toIndex),
                    verificationId: record.id,
                    accountId: record.accountId,
                    expiresAt: record.expiresAt,
                  },
                  // Only replace what we judged: two concurrent starts cannot both open a
                  // verification (which would double the wrong-code budget).
                  ConditionExpression: replacing
                    ? "attribute_not_exists(pk) OR verificationId = :replacing OR expiresAt <= :now"
                    : "attribute_not_exists(pk) OR expiresAt <= :now",
                  ExpressionAttributeValues: {
                    ...(replacing ? { ":replacing": replacing } : {}),
                    ":now": nowSeconds,
                  },
                },
              },
            ],
          }),
        ),
      );
    },

    async resend(id, accountId, change, nowSeconds) {
      try {
        const result = await dynamoClient().send(
          new UpdateCommand({
            TableName: table(),
            Key: { pk: id },
            UpdateExpression:
              "SET codeHash = :hash, codeExpiresAt = :codeExp, expiresAt = :exp, locale = :locale, updatedAt = :at ADD sendAttempts :one",
            ConditionExpression: "accountId = :acc AND #status = :pending AND codeExpiresAt > :now",
            ExpressionAttributeNames: { "#status": "status" },
            ExpressionAttributeValues: {
              ":hash": change.codeHash,
              ":codeExp": change.codeExpiresAt,
              ":exp": change.expiresAt,
              ":locale": change.locale,
              ":at": change.updatedAt,
              ":one": 1,
              ":acc": accountId,
              ":pending": "pending",
              ":now": nowSeconds,
            },
            ReturnValues: "ALL_NEW",
          }),
        );
        return toRecord(result.Attributes ?? {});
      } catch (error) {
        if (isConditionFailure(error)) return "conflict";
        throw error;
      }
    },

    recordWrongCode(id, seen, failed, updatedAt) {
      return conditional(() =>
        dynamoClient().send(
          new UpdateCommand({
            TableName: table(),
            Key: { pk: id },
            UpdateExpression: "SET checkAttempts = :next, #status = :status, updatedAt = :at",
            ConditionExpression: seenCondition,
            ExpressionAttributeNames: { "#status": "status" },
            ExpressionAttributeValues: {
              ...seenValues(seen),
              ":next": seen.checkAttempts + 1,
              ":status": failed ? "failed" : "pending",
              ":at": updatedAt,
            },
          }),
        ),
      );
    },

    approve(id, seen, updatedAt) {
      return conditional(() =>
        dynamoClient().send(
          new UpdateCommand({
            TableName: table(),
            Key: { pk: id },
            UpdateExpression: "SET #status = :approved, approvedAt = :at, updatedAt = :at",
            ConditionExpression: seenCondition,
            ExpressionAttributeNames: { "#status": "status" },
            ExpressionAttributeValues: { ...seenValues(seen), ":approved": "approved", ":at": updatedAt },
          }),
        ),
      );
    },

    cancel(id, accountId, nowSeconds, updatedAt) {
      return conditional(() =>
        dynamoClient().send(
          new UpdateCommand({
            TableName: table(),
            Key: { pk: id },
            UpdateExpression: "SET #status = :cancelled, updatedAt = :at",
            ConditionExpression: "accountId = :acc AND #status = :pending AND codeExpiresAt > :now",
            ExpressionAttributeNames: { "#status": "status" },
            ExpressionAttributeValues: {
              ":cancelled": "cancelled",
              ":at": updatedAt,
              ":acc": accountId,
              ":pending": "pending",
              ":now": nowSeconds,
            },
          }),
        ),
      );
    },
  };
  return store;
}

/**
 * Optimistic concurrency for checks: the write succeeds only if the item is exactly as the check
 * read it (same account, still pending, same attempt count, same code, not expired). Two concurrent
 * checks can therefore never both spend the same attempt, and a resend in between voids the check.
 */
const seenCondition =
  "accountId = :acc AND #status = :pending AND checkAttempts = :seenAttempts AND codeHash = :seenHash AND codeExpiresAt > :now";

const seenValues = (seen: {
  accountId: string;
  checkAttempts: number;
  codeHash: string;
  nowSeconds: number;
}): Record<string, unknown> => ({
  ":acc": seen.accountId,
  ":pending": "pending",
  ":seenAttempts": seen.checkAttempts,
  ":seenHash": seen.codeHash,
  ":now": seen.nowSeconds,
});
