/**
 * Issue 11: closing an account schedules its data's deletion per retention; the purge deletes it
 * once deleteDataAfter has passed (messages, verifications, users, keys, webhook secrets) and records
 * account.data.deleted. Another account's data stays.
 */
import { GetCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { queryAuditEvents } from "../../functions/audit/store.ts";
import { hashApiKey } from "../../functions/auth/api-keys.ts";
import { dynamoClient } from "../../functions/shared/aws.ts";
import { tableName } from "../../functions/shared/config.ts";
import { textgateJson } from "../admin/support.ts";
import { call } from "../messages/support.ts";
import { useLocalPlatformEnv } from "../support/env.ts";
import {
  accountWithRetention,
  clockAhead,
  DAY_MS,
  mobile,
  rawMessage,
  runPurgeAt,
  sendDelivered,
} from "./support.ts";

useLocalPlatformEnv();
const MINUTE_MS = 60_000;
const SHORT = { messageBodyDays: 1, messageMetadataDays: 1, verificationDays: 1 };

const accountItems = async (accountId: string) =>
  (
    await dynamoClient().send(
      new QueryCommand({
        TableName: tableName("accounts"),
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": `ACC#${accountId}` },
        ConsistentRead: true,
      }),
    )
  ).Items ?? [];

const verification = async (id: string) =>
  (
    await dynamoClient().send(
      new GetCommand({ TableName: tableName("verifications"), Key: { pk: id }, ConsistentRead: true }),
    )
  ).Item;

const apiKeyLookup = async (key: string) =>
  (
    await dynamoClient().send(
      new GetCommand({
        TableName: tableName("accounts"),
        Key: { pk: `APIKEY#${hashApiKey(key)}`, sk: "LOOKUP" },
        ConsistentRead: true,
      }),
    )
  ).Item;

const signingSecret = async (accountId: string) =>
  (
    await dynamoClient().send(
      new GetCommand({
        TableName: tableName("webhooks"),
        Key: { pk: `ACC#${accountId}`, sk: "SIGNING" },
        ConsistentRead: true,
      }),
    )
  ).Item;

describe("a closed account's data", () => {
  it("is deleted by the purge after deleteDataAfter, with account.data.deleted recorded; others stay", async () => {
    const [closing, other] = await Promise.all([accountWithRetention(SHORT), accountWithRetention(SHORT)]);
    // A callbackUrl makes the webhook sender create the account's signing secret (webhooks table).
    const [messageId, otherMessageId] = await Promise.all([
      sendDelivered(closing, { callbackUrl: "http://127.0.0.1:9/retention-hook" }),
      sendDelivered(other),
    ]);
    await expect
      .poll(() => signingSecret(closing.accountId), { timeout: 20_000, interval: 200 })
      .toBeDefined();
    const started = await call("POST", "/v1/verifications", {
      apiKey: closing.apiKey,
      json: { to: mobile(), channel: "sms" },
    });
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    const verificationId = started.body.id as string;

    const closed = await textgateJson<{ status: string; deleteDataAfter: string }>(
      "accounts",
      "close",
      closing.accountId,
    );
    expect(closed.status).toBe("closed");
    // The longest of its retention periods (1 day) from now.
    const deadline = Date.parse(closed.deleteDataAfter);
    expect(Math.abs(deadline - (Date.now() + DAY_MS))).toBeLessThan(5 * MINUTE_MS);

    const scope = [closing.accountId, other.accountId];
    const early = await runPurgeAt(clockAhead(DAY_MS - 30 * MINUTE_MS), scope);
    expect(early.reduce((sum, r) => sum + r.deleted + r.accountsErased, 0)).toBe(0);
    expect(await rawMessage(messageId)).toBeDefined();
    expect((await accountItems(closing.accountId)).length).toBeGreaterThan(1);

    const after = clockAhead(DAY_MS + 30 * MINUTE_MS);
    const reports = await runPurgeAt(after, scope);
    expect(reports.reduce((sum, r) => sum + r.accountsErased, 0)).toBe(1);

    expect(await rawMessage(messageId)).toBeUndefined();
    expect(await verification(verificationId)).toBeUndefined();
    expect(await apiKeyLookup(closing.apiKey)).toBeUndefined();
    expect(await signingSecret(closing.accountId)).toBeUndefined();
    const left = await accountItems(closing.accountId);
    expect(left.map((item) => item.sk)).toEqual(["ACCOUNT"]);
    expect(left[0]).toMatchObject({ status: "closed", dataDeletedAt: expect.any(String) });
    const audit = await queryAuditEvents(
      { accountId: closing.accountId, action: "account.data.deleted", limit: 5 },
      after,
    );
    expect(audit.events).toHaveLength(1);
    expect(audit.events[0]).toMatchObject({
      actor: { type: "system", id: "retention-purge" },
      details: { deleteDataAfter: closed.deleteDataAfter },
    });

    // The other account (same retention, not closed): its message item stays (its metadata is kept
    // a day past its 48 h validity; only the 1-day body went), with its users and keys.
    expect(await rawMessage(otherMessageId)).toMatchObject({ status: "delivered" });
    expect(await apiKeyLookup(other.apiKey)).toBeDefined();
    expect((await accountItems(other.accountId)).length).toBeGreaterThan(1);
  });
});
