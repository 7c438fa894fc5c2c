/**
 * Helpers of the audit tests: a fresh account id per test (the chain is per account), a clock that
 * starts now and moves forward only (TTL-safe), and direct reads of stored items.
 */
import { randomBytes } from "node:crypto";
import { GetCommand, QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { accountPartition, chainHeadKey } from "../../functions/audit/chain.ts";
import type { AuditClass, AuditEventInput } from "../../functions/audit/port.ts";
import { dynamoClient } from "../../functions/shared/aws.ts";
import type { Clock } from "../../functions/shared/clock.ts";
import { tableName } from "../../functions/shared/config.ts";

export const freshAccountId = (): string => `acc_AUDITTEST${randomBytes(8).toString("hex").toUpperCase()}`;

/** Today's clock, moved forward by the test (never into the past: DynamoDB Local's TTL is real time). */
export function movingClock(): Clock & { advance(ms: number): void } {
  let offset = 0;
  return {
    now: () => new Date(Date.now() + offset),
    advance: (ms: number) => {
      offset += ms;
    },
  };
}

export const DAY_MS = 24 * 3600 * 1000;

export const eventInput = (accountId: string, action: string, n = 0): AuditEventInput => ({
  accountId,
  action,
  actor: { type: "user", id: "usr_TEST" },
  outcome: "success",
  target: { type: "user", id: `usr_${n}` },
  details: { n },
});

/** Every stored event item of the account, oldest first (raw, as DynamoDB holds them). */
export async function storedEvents(accountId: string): Promise<Record<string, unknown>[]> {
  const out = await dynamoClient().send(
    new QueryCommand({
      TableName: tableName("audit"),
      KeyConditionExpression: "pk = :pk AND sk BETWEEN :from AND :to",
      ExpressionAttributeValues: { ":pk": accountPartition(accountId), ":from": "0000", ":to": "9999\uffff" },
      ConsistentRead: true,
    }),
  );
  return out.Items ?? [];
}

export async function chainHead(accountId: string, auditClass: AuditClass) {
  const out = await dynamoClient().send(
    new GetCommand({
      TableName: tableName("audit"),
      Key: { pk: accountPartition(accountId), sk: chainHeadKey(auditClass) },
      ConsistentRead: true,
    }),
  );
  return out.Item;
}

/** Edits one stored item in place, the way someone with table access would. */
export async function editStoredItem(
  key: { pk: unknown; sk: unknown },
  fields: Readonly<Record<string, unknown>>,
): Promise<void> {
  const names = Object.keys(fields);
  await dynamoClient().send(
    new UpdateCommand({
      TableName: tableName("audit"),
      Key: { pk: key.pk, sk: key.sk },
      UpdateExpression: `SET ${names.map((_, i) => `#f${i} = :v${i}`).join(", ")}`,
      ExpressionAttributeNames: Object.fromEntries(names.map((name, i) => [`#f${i}`, name])),
      ExpressionAttributeValues: Object.fromEntries(names.map((name, i) => [`:v${i}`, fields[name]])),
    }),
  );
}
