import { createHash } from "node:crypto";
import {
  GetCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import { messageItem } from "../messages/store.ts";
import { dynamoClient } from "../shared/aws.ts";
import { tableName } from "../shared/config.ts";
import { isConditionalCheckFailure, isTransactionCancelled } from "../shared/dynamo.ts";
import { numberKeyOf } from "../shared/number-key.ts";
import { outboxDueAfterGrace, outboxMark, outboxShardOf, withOutboxMark } from "../webhooks/outbox.ts";
import type { VerificationNamespace } from "./limits.ts";
import type {
  StartWrite,
  StartWriteOutcome,
  VerificationRecord,
  VerificationStore,
  WriteOutcome,
} from "./ports.ts";
import { verificationRecordOf } from "./stored-verification.ts";
import { verificationView } from "./view-schema.ts";

/**
 * Verifications in the `verifications` table:
 *   pk=<ver_id>                          the verification (code only as HMAC, number encrypted)
 *   pk=cur#<accountId>#<number index>    pointer to the latest API verification of that number, so
 *                                        a new start resends instead of opening a fresh one
 *   pk=cur2fa#<accountId>#<number index> the same for dashboard sign-in codes: a tenant's start to
 *                                        the same number never lands on (resends) a login code
 * Verification items carry numberKey=<accountId>#<number index> (sparse GSI byNumber, for data-subject
 * requests); the OTP message written with a binding names it (idempotencyBinding on the message).
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

/** pk=idem#<accountId>#<sha256(Idempotency-Key)>: the key hashed, so client text stays out of keys. */
const bindingKey = (accountId: string, idempotencyKey: string): string =>
  `idem#${accountId}#${createHash("sha256").update(idempotencyKey).digest("base64url")}`;

const storedBinding = z.object({
  verificationId: z.string(),
  messageId: z.string(),
  requestHash: z.string(),
  response: verificationView,
  expiresAt: z.number(),
});

type TransactItem = NonNullable<TransactWriteCommandInput["TransactItems"]>[number];

/** Which transaction items lost, in order ("ConditionalCheckFailed", "TransactionConflict", "None"). */
const cancellationCodes = (error: unknown): readonly (string | undefined)[] =>
  ((error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? []).map((r) => r.Code);

/**
 * The verification items of a start, its OTP message and (with an Idempotency-Key) the key's
 * binding, in ONE transaction: a code never goes out without its key bound, nor a key bound
 * without its message. The binding is last, so its cancellation reason tells "key taken" apart
 * from a lost verification race.
 */
async function startTransaction(
  verificationItems: readonly TransactItem[],
  write: StartWrite,
  nowSeconds: number,
): Promise<StartWriteOutcome> {
  const { message, binding } = write;
  const bindingPk = binding ? bindingKey(binding.accountId, binding.idempotencyKey) : undefined;
  const items: TransactItem[] = [
    ...verificationItems,
    {
      Put: {
        TableName: tableName("messages"),
        Item: messageItem(message, bindingPk ? { table: "verifications", pk: bindingPk } : undefined),
        ConditionExpression: "attribute_not_exists(pk)",
      },
    },
  ];
  if (binding) {
    items.push({
      Put: {
        TableName: tableName("verifications"),
        Item: {
          pk: bindingPk,
          verificationId: binding.verificationId,
          messageId: binding.messageId,
          requestHash: binding.requestHash,
          response: binding.response,
          expiresAt: binding.expiresAt,
        },
        // A binding past its TTL that DynamoDB has not deleted yet no longer holds the key.
        ConditionExpression: "attribute_not_exists(pk) OR expiresAt <= :now",
        ExpressionAttributeValues: { ":now": nowSeconds },
      },
    });
  }
  try {
    await dynamoClient().send(new TransactWriteCommand({ TransactItems: items }));
    return "ok";
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    const codes = cancellationCodes(error);
    if (binding && codes[items.length - 1] !== undefined && codes[items.length - 1] !== "None") {
      return "key-taken";
    }
    return "conflict";
  }
}

export function dynamoVerificationStore(): VerificationStore {
  const table = (): string => tableName("verifications");
  const read = async (pk: string): Promise<Record<string, unknown> | undefined> =>
    (await dynamoClient().send(new GetCommand({ TableName: table(), Key: { pk }, ConsistentRead: true })))
      .Item;

  const store: VerificationStore = {
    async get(id, nowSeconds) {
      const item = live(await read(id), nowSeconds);
      return item ? verificationRecordOf(item) : undefined;
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

    async create(record, replacing, nowSeconds, write) {
      const verification = {
        Put: {
          TableName: table(),
          Item: {
            pk: record.id,
            ...record,
            numberKey: numberKeyOf(record.accountId, record.toIndex),
            ...expiryWatch(record),
          },
          ConditionExpression: "attribute_not_exists(pk)",
        },
      };
      const pointer = {
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
      };
      return startTransaction([verification, pointer], write, nowSeconds);
    },

    async resend(record, change, nowSeconds, write) {
      const update = {
        Update: {
          TableName: table(),
          Key: { pk: record.id },
          UpdateExpression:
            // outboxDueAt follows the new expiry (items outside the outbox index stay outside: no shard).
            "SET codeHash = :hash, codeExpiresAt = :codeExp, outboxDueAt = :codeExpIso, expiresAt = :exp, locale = :locale, updatedAt = :at, messageIds = list_append(if_not_exists(messageIds, :none), :message) ADD sendAttempts :one",
          ConditionExpression:
            "accountId = :acc AND #status = :pending AND codeExpiresAt > :now AND sendAttempts = :seenSends",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: {
            ":hash": change.codeHash,
            ":codeExp": change.codeExpiresAt,
            ":codeExpIso": isoOfEpoch(change.codeExpiresAt),
            ":exp": change.expiresAt,
            ":locale": change.locale,
            ":at": change.updatedAt,
            ":none": [],
            ":message": [change.messageId],
            ":one": 1,
            ":acc": record.accountId,
            ":pending": "pending",
            ":now": nowSeconds,
            ":seenSends": change.seenSendAttempts,
          },
        },
      };
      const outcome = await startTransaction([update], write, nowSeconds);
      if (outcome !== "ok") return outcome;
      const { messageId: _message, seenSendAttempts: _seen, ...fields } = change;
      return {
        ...record,
        ...fields,
        sendAttempts: change.seenSendAttempts + 1,
        messageIds: [...record.messageIds, change.messageId],
      };
    },

    async findBinding(accountId, idempotencyKey, nowSeconds) {
      const item = live(await read(bindingKey(accountId, idempotencyKey)), nowSeconds);
      if (!item) return undefined;
      return { accountId, idempotencyKey, ...storedBinding.parse(item) };
    },

    recordWrongCode(id, seen, failed, updatedAt, withEvent = false) {
      const update = "SET checkAttempts = :next, #status = :status, updatedAt = :at";
      const close = failed ? closing(id, "verification.failed", withEvent) : undefined;
      return conditional(() =>
        dynamoClient().send(
          new UpdateCommand({
            TableName: table(),
            Key: { pk: id },
            UpdateExpression: close ? close.expression(update) : update,
            ConditionExpression: seenCondition,
            ExpressionAttributeNames: { "#status": "status" },
            ExpressionAttributeValues: {
              ...seenValues(seen),
              ...close?.values,
              ":next": seen.checkAttempts + 1,
              ":status": failed ? "failed" : "pending",
              ":at": updatedAt,
            },
          }),
        ),
      );
    },

    approve(id, seen, updatedAt, withEvent = false) {
      const close = closing(id, "verification.approved", withEvent);
      return conditional(() =>
        dynamoClient().send(
          new UpdateCommand({
            TableName: table(),
            Key: { pk: id },
            UpdateExpression: close.expression("SET #status = :approved, approvedAt = :at, updatedAt = :at"),
            ConditionExpression: seenCondition,
            ExpressionAttributeNames: { "#status": "status" },
            ExpressionAttributeValues: {
              ...seenValues(seen),
              ...close.values,
              ":approved": "approved",
              ":at": updatedAt,
            },
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
            // No event for a cancel; the expiry watch ends with it.
            UpdateExpression: "SET #status = :cancelled, updatedAt = :at REMOVE outboxShard, outboxDueAt",
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

    expire(id, nowSeconds, updatedAt) {
      const mark = outboxMark(id, "verification.expired", outboxDueAfterGrace(new Date(updatedAt)));
      return conditional(() =>
        dynamoClient().send(
          new UpdateCommand({
            TableName: table(),
            Key: { pk: id },
            UpdateExpression: withOutboxMark("SET #status = :expired, updatedAt = :at", mark),
            ConditionExpression: "#status = :pending AND codeExpiresAt <= :now",
            ExpressionAttributeNames: { "#status": "status" },
            ExpressionAttributeValues: {
              ...mark.values,
              ":expired": "expired",
              ":pending": "pending",
              ":now": nowSeconds,
              ":at": updatedAt,
            },
          }),
        ),
      );
    },
  };
  return store;
}

const isoOfEpoch = (seconds: number): string => new Date(seconds * 1000).toISOString();

/**
 * A pending API verification sits in the outbox index until its code expiry (outboxDueAt), so the
 * sweeper finds it to mark it expired. Dashboard sign-in codes publish no events: not indexed.
 */
const expiryWatch = (record: VerificationRecord): Record<string, string> =>
  record.namespace === "api"
    ? { outboxShard: outboxShardOf(record.id), outboxDueAt: isoOfEpoch(record.codeExpiresAt) }
    : {};

/**
 * A check that closes the verification: with its event recorded as pending (due for the sweeper
 * after the publisher's grace), or, when the caller publishes none, out of the outbox index.
 */
function closing(id: string, type: "verification.approved" | "verification.failed", withEvent: boolean) {
  if (!withEvent) {
    return {
      expression: (update: string) => `${update} REMOVE outboxShard, outboxDueAt`,
      values: {} as Record<string, unknown>,
    };
  }
  const mark = outboxMark(id, type, outboxDueAfterGrace(new Date()));
  return { expression: (update: string) => withOutboxMark(update, mark), values: mark.values };
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
