import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import type * as z from "zod";
import { dynamoClient } from "../shared/aws.ts";
import { type Clock, epochSeconds } from "../shared/clock.ts";
import { tableName } from "../shared/config.ts";
import { accountPartition, EVENT_KEYS_FROM, EVENT_KEYS_TO } from "./chain.ts";
import { auditEventView } from "./schemas.ts";

export type AuditEventView = z.infer<typeof auditEventView>;

export interface AuditQuery {
  readonly accountId: string;
  readonly from?: string;
  readonly to?: string;
  readonly action?: string;
  readonly actor?: string;
  readonly limit: number;
  readonly cursor?: string;
  /** Default newest first (listing); oldest first is chain order within each class (export). */
  readonly order?: "newest" | "oldest";
}

export interface AuditPage {
  readonly events: AuditEventView[];
  readonly nextCursor?: string;
}

/** Expired short-class events are filtered (DynamoDB deletes them late); heads and digests never match. */
export async function queryAuditEvents(query: AuditQuery, clock: Clock): Promise<AuditPage> {
  const names: Record<string, string> = { "#pk": "pk", "#sk": "sk", "#exp": "expiresAt" };
  const values: Record<string, unknown> = {
    ":pk": accountPartition(query.accountId),
    ":from": query.from ?? EVENT_KEYS_FROM,
    ":to": query.to ? `${query.to}\uffff` : EVENT_KEYS_TO,
    ":now": epochSeconds(clock.now()),
  };
  const filters = ["(attribute_not_exists(#exp) OR #exp > :now)"];
  if (query.action) {
    names["#action"] = "action";
    values[":action"] = query.action;
    filters.push("begins_with(#action, :action)");
  }
  if (query.actor) {
    names["#actor"] = "actor";
    values[":actor"] = query.actor;
    filters.push("#actor.id = :actor");
  }
  const result = await dynamoClient().send(
    new QueryCommand({
      TableName: tableName("audit"),
      KeyConditionExpression: "#pk = :pk AND #sk BETWEEN :from AND :to",
      FilterExpression: filters.join(" AND "),
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
      ScanIndexForward: query.order === "oldest",
      Limit: query.limit,
      ...(query.cursor ? { ExclusiveStartKey: decodeCursor(query.cursor, query.accountId) } : {}),
    }),
  );
  const events = (result.Items ?? []).map((item) => auditEventView.parse(item));
  return {
    events,
    ...(result.LastEvaluatedKey ? { nextCursor: encodeCursor(result.LastEvaluatedKey) } : {}),
  };
}

/**
 * One export page: events oldest first (chain order per class) in the window, up to maxEvents,
 * read 100 at a time; nextCursor continues where it stopped.
 */
export async function exportAuditEvents(
  query: {
    readonly accountId: string;
    readonly from?: string;
    readonly to?: string;
    readonly cursor?: string;
    readonly maxEvents: number;
  },
  clock: Clock,
): Promise<AuditPage> {
  const events: AuditEventView[] = [];
  let cursor = query.cursor;
  do {
    const page = await queryAuditEvents(
      {
        accountId: query.accountId,
        ...(query.from ? { from: query.from } : {}),
        ...(query.to ? { to: query.to } : {}),
        ...(cursor ? { cursor } : {}),
        limit: Math.min(100, query.maxEvents - events.length),
        order: "oldest",
      },
      clock,
    );
    events.push(...page.events);
    cursor = page.nextCursor;
  } while (cursor && events.length < query.maxEvents);
  return { events, ...(cursor ? { nextCursor: cursor } : {}) };
}

const encodeCursor = (key: Record<string, unknown>): string =>
  Buffer.from(JSON.stringify(key)).toString("base64url");

function decodeCursor(cursor: string, accountId: string): Record<string, unknown> {
  try {
    const key: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    // A cursor can never reach into another account's partition.
    if (
      typeof key === "object" &&
      key !== null &&
      "pk" in key &&
      "sk" in key &&
      key.pk === accountPartition(accountId) &&
      typeof key.sk === "string"
    ) {
      return { pk: key.pk, sk: key.sk };
    }
  } catch {
    // fall through
  }
  throw Object.assign(new Error("invalid cursor"), { name: "InvalidCursor" });
}
