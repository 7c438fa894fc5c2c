import { PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { dynamoClient } from "../shared/aws.ts";
import { type Clock, epochSeconds } from "../shared/clock.ts";
import { tableName } from "../shared/config.ts";
import { newId } from "../shared/ids.ts";
import { type AuditEvent, type AuditLog, auditClassFor, SHORT_RETENTION_SECONDS } from "./port.ts";

const pk = (accountId: string): string => `ACC#${accountId}`;

export function dynamoAuditLog(clock: Clock): AuditLog {
  return {
    async record(input) {
      const now = clock.now();
      const event: AuditEvent = {
        ...input,
        id: newId("evt"),
        at: now.toISOString(),
        class: input.class ?? auditClassFor(input.action),
      };
      await dynamoClient().send(
        new PutCommand({
          TableName: tableName("audit"),
          Item: {
            pk: pk(event.accountId),
            sk: `${event.at}#${event.id}`,
            ...event,
            ...(event.class === "short" ? { expiresAt: epochSeconds(now) + SHORT_RETENTION_SECONDS } : {}),
          },
        }),
      );
      return event;
    },
  };
}

export interface AuditQuery {
  readonly accountId: string;
  readonly from?: string;
  readonly to?: string;
  readonly action?: string;
  readonly actor?: string;
  readonly limit: number;
  readonly cursor?: string;
}

export interface AuditPage {
  readonly events: AuditEvent[];
  readonly nextCursor?: string;
}

/** Newest first; expired short-class events are filtered (DynamoDB deletes them late). */
export async function queryAuditEvents(query: AuditQuery, clock: Clock): Promise<AuditPage> {
  const names: Record<string, string> = { "#pk": "pk", "#sk": "sk", "#exp": "expiresAt" };
  const values: Record<string, unknown> = {
    ":pk": pk(query.accountId),
    ":from": query.from ?? "0000",
    ":to": `${query.to ?? "9999"}\uffff`,
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
      ScanIndexForward: false,
      Limit: query.limit,
      ...(query.cursor ? { ExclusiveStartKey: decodeCursor(query.cursor, query.accountId) } : {}),
    }),
  );
  const events = (result.Items ?? []).map(
    ({ pk: _pk, sk: _sk, expiresAt: _exp, ...event }) => event as AuditEvent,
  );
  return {
    events,
    ...(result.LastEvaluatedKey ? { nextCursor: encodeCursor(result.LastEvaluatedKey) } : {}),
  };
}

const encodeCursor = (key: Record<string, unknown>): string =>
  Buffer.from(JSON.stringify(key)).toString("base64url");

function decodeCursor(cursor: string, accountId: string): Record<string, unknown> {
  try {
    const key = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as Record<string, unknown>;
    // A cursor can never reach into another account's partition.
    if (key.pk === pk(accountId) && typeof key.sk === "string") return { pk: key.pk, sk: key.sk };
  } catch {
    // fall through
  }
  throw Object.assign(new Error("invalid cursor"), { name: "InvalidCursor" });
}
