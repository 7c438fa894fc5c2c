import { QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { OUTBOX_INDEX } from "../../lib/catalog/webhooks.ts";
import { dynamoClient } from "../shared/aws.ts";
import { getItemsByKeys } from "../shared/batch-get.ts";
import { tableName } from "../shared/config.ts";
import { allPages, appliedUnlessConditionFails } from "../shared/dynamo.ts";
import { logger } from "../shared/logger.ts";
import type { WebhookEventPublisher } from "./publish.ts";
import { type WebhookEventPayload, type WebhookEventType, webhookEventType } from "./schemas.ts";

/**
 * Transactional outbox for webhook events (at-least-once publishing). The write that changes a
 * message's or verification's status also records the event as pending, on the same item (for a
 * message only when someone receives it: its callbackUrl or a subscribed endpoint, see
 * functions/webhooks/subscriptions.ts; otherwise no mark, no enqueue, no clear write):
 *   pendingEvents  string set of event types not yet on the webhooks queue
 *   outboxShard    OUTBOX#<0..OUTBOX_SHARDS-1>: partition key of the sparse GSI "outbox"
 *                  (keys only, lib/catalog/webhooks.ts OUTBOX_INDEX: the sweeper reads the items)
 *   outboxDueAt    ISO time from which the sweeper acts on the item (GSI sort key)
 * The publisher enqueues right after the write and then clears the event; whatever is still
 * pending at outboxDueAt (a failed enqueue, a crash in between) the scheduled sweeper publishes.
 * A pending verification also carries the GSI keys with outboxDueAt = its code expiry: that is how
 * the sweeper finds the verifications to mark expired. Event ids are `<type>:<subject id>`, so a
 * publish repeated by the sweeper is dropped by the sender's fan-out claim (one delivery per
 * endpoint and event id), and a receiver deduplicating on webhook-id sees the same id anyway.
 */
export type OutboxTable = "messages" | "verifications";
/** Key attributes of the outbox tables (lib/catalog/messaging.ts, verify.ts): what the index entries give. */
const OUTBOX_TABLE_KEYS: Readonly<Record<OutboxTable, readonly string[]>> = {
  messages: ["pk", "sk"],
  verifications: ["pk"],
};
/** Shards of the GSI partition: status writes spread over them instead of one hot GSI partition. */
export const OUTBOX_SHARDS = 4;
/** How long the publisher has to enqueue and clear before the sweeper publishes the event itself. */
export const OUTBOX_GRACE_SECONDS = 60;

export const outboxShardOf = (subjectId: string): string =>
  `OUTBOX#${subjectId.charCodeAt(subjectId.length - 1) % OUTBOX_SHARDS}`;

/** The sweeper's due time for an event recorded at `at`. */
export const outboxDueAfterGrace = (at: Date): string =>
  new Date(at.getTime() + OUTBOX_GRACE_SECONDS * 1000).toISOString();

/** Parts to fold into a status write's UpdateExpression (SET items, ADD items, values). */
export interface OutboxMark {
  readonly set: string;
  readonly add: string;
  readonly values: Record<string, unknown>;
}

/** Records `type` as pending on the item, due for the sweeper at `dueAt` (ISO). */
export const outboxMark = (subjectId: string, type: WebhookEventType, dueAt: string): OutboxMark => ({
  set: "outboxShard = :outboxShard, outboxDueAt = :outboxDueAt",
  add: "pendingEvents :outboxEvent",
  values: {
    ":outboxShard": outboxShardOf(subjectId),
    ":outboxDueAt": dueAt,
    ":outboxEvent": new Set([type]),
  },
});

/** Adds an outbox mark to "SET …[ REMOVE …]" update expressions. */
export function withOutboxMark(update: string, mark: OutboxMark | undefined): string {
  if (!mark) return update;
  if (!update.startsWith("SET ")) throw new Error(`outbox: update must start with SET: ${update}`);
  return `SET ${mark.set}, ${update.slice(4)} ADD ${mark.add}`;
}

/** Event types still pending on a stored item (DynamoDB string sets read back as Set). */
export function pendingEventsOf(item: Record<string, unknown>): WebhookEventType[] {
  const stored = item.pendingEvents;
  if (!(stored instanceof Set)) return [];
  return [...stored].flatMap((value) => {
    const parsed = webhookEventType.safeParse(value);
    return parsed.success ? [parsed.data] : [];
  });
}

export interface Outbox {
  /** Clears one published event; the GSI keys go too when it was the last one pending. */
  clear(table: OutboxTable, key: Record<string, string>, type: WebhookEventType): Promise<void>;
  /**
   * Items of the table whose outboxDueAt has come (all shards), the `limit` longest due, read as they
   * are now (the index holds keys only; an item gone since is left out).
   */
  due(table: OutboxTable, nowIso: string, limit: number): Promise<Record<string, unknown>[]>;
  /** Drops the GSI keys of an item with nothing pending and nothing to wait for any more. */
  release(table: OutboxTable, key: Record<string, string>): Promise<void>;
  /** Takes an item past its retention (TTL) out of the outbox, pending events and all. */
  abandon(table: OutboxTable, key: Record<string, string>): Promise<void>;
}

export function dynamoOutbox(): Outbox {
  const outbox: Outbox = {
    async clear(table, key, type) {
      // One write in the usual case (this was the only pending event): clear it and the GSI keys.
      const clearedAll = await appliedUnlessConditionFails(
        dynamoClient().send(
          new UpdateCommand({
            TableName: tableName(table),
            Key: key,
            UpdateExpression: "REMOVE pendingEvents, outboxShard, outboxDueAt",
            ConditionExpression: "size(pendingEvents) = :one AND contains(pendingEvents, :type)",
            ExpressionAttributeValues: { ":one": 1, ":type": type },
          }),
        ),
      );
      if (clearedAll) return;
      // Another event is pending too (or this one was cleared already): take out this one only; the
      // sweeper publishes the others and releases the keys of an item left with nothing pending.
      await appliedUnlessConditionFails(
        dynamoClient().send(
          new UpdateCommand({
            TableName: tableName(table),
            Key: key,
            UpdateExpression: "DELETE pendingEvents :types",
            ConditionExpression: "attribute_exists(pendingEvents)",
            ExpressionAttributeValues: { ":types": new Set([type]) },
          }),
        ),
      );
    },
    async due(table, nowIso, limit) {
      const shards = Array.from({ length: OUTBOX_SHARDS }, (_, n) => `OUTBOX#${n}`);
      const pages = await Promise.all(
        shards.map((shard) =>
          allPages((start) =>
            dynamoClient().send(
              new QueryCommand({
                TableName: tableName(table),
                IndexName: OUTBOX_INDEX.name,
                KeyConditionExpression: "outboxShard = :shard AND outboxDueAt <= :now",
                ExpressionAttributeValues: { ":shard": shard, ":now": nowIso },
                ...(start ? { ExclusiveStartKey: start } : {}),
              }),
            ),
          ),
        ),
      );
      // The index entries carry outboxDueAt (its sort key): only the items a sweep takes are read.
      const longestDue = pages
        .flat()
        .toSorted((a, b) => String(a.outboxDueAt).localeCompare(String(b.outboxDueAt)))
        .slice(0, limit);
      return getItemsByKeys(tableName(table), OUTBOX_TABLE_KEYS[table], longestDue);
    },
    async release(table, key) {
      await appliedUnlessConditionFails(
        dynamoClient().send(
          new UpdateCommand({
            TableName: tableName(table),
            Key: key,
            UpdateExpression: "REMOVE outboxShard, outboxDueAt",
            ConditionExpression: "attribute_exists(pk) AND attribute_not_exists(pendingEvents)",
          }),
        ),
      );
    },
    async abandon(table, key) {
      await appliedUnlessConditionFails(
        dynamoClient().send(
          new UpdateCommand({
            TableName: tableName(table),
            Key: key,
            UpdateExpression: "REMOVE pendingEvents, outboxShard, outboxDueAt",
            ConditionExpression: "attribute_exists(pk)",
          }),
        ),
      );
    },
  };
  return outbox;
}

/**
 * Enqueues one pending event and clears it. A failed enqueue leaves it pending for the sweeper
 * (logged without PII: ids and type only) and never fails the caller: the status change stands.
 */
export async function publishPending(
  ports: { readonly publisher: WebhookEventPublisher; readonly outbox: Outbox },
  subject: { readonly table: OutboxTable; readonly key: Record<string, string>; readonly accountId: string },
  payload: WebhookEventPayload,
  callbackUrl?: string,
): Promise<boolean> {
  try {
    await ports.publisher.publish(subject.accountId, payload, callbackUrl);
  } catch (error) {
    logger.warn("webhook event left in the outbox for the sweeper", {
      type: payload.type,
      subjectId: payload.data.id,
      accountId: subject.accountId,
      error: error as Error,
    });
    return false;
  }
  try {
    await ports.outbox.clear(subject.table, subject.key, payload.type);
  } catch (error) {
    // Published but still marked: the sweeper publishes it again and the sender drops the duplicate.
    logger.warn("published webhook event not cleared from the outbox", {
      type: payload.type,
      subjectId: payload.data.id,
      error: error as Error,
    });
  }
  return true;
}
