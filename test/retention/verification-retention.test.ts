/**
 * Verifications are kept verificationDays after their code expires (their TTL), and the purge
 * applies a shortened setting to existing ones.
 */
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { dynamoAccountSettingsStore } from "../../functions/retention/account-settings.ts";
import { dynamoClient } from "../../functions/shared/aws.ts";
import { tableName } from "../../functions/shared/config.ts";
import { call } from "../messages/support.ts";
import { useLocalPlatformEnv } from "../support/env.ts";
import { accountWithRetention, clockAhead, DAY_MS, mobile, runPurgeAt } from "./support.ts";

useLocalPlatformEnv();
const DAY_S = DAY_MS / 1000;

const rawVerification = async (id: string) =>
  (
    await dynamoClient().send(
      new GetCommand({ TableName: tableName("verifications"), Key: { pk: id }, ConsistentRead: true }),
    )
  ).Item;

async function startVerification(apiKey: string): Promise<string> {
  const started = await call("POST", "/v1/verifications", { apiKey, json: { to: mobile(), channel: "sms" } });
  expect(started.status, JSON.stringify(started.body)).toBe(201);
  return started.body.id as string;
}

describe("verification retention", () => {
  it("the TTL is the account's verification days after the code expiry", async () => {
    const [three, one] = await Promise.all([
      accountWithRetention({ messageBodyDays: 30, messageMetadataDays: 30, verificationDays: 3 }),
      accountWithRetention({ messageBodyDays: 30, messageMetadataDays: 30, verificationDays: 1 }),
    ]);
    const [long, short] = await Promise.all([startVerification(three.apiKey), startVerification(one.apiKey)]);
    const [longItem, shortItem] = await Promise.all([rawVerification(long), rawVerification(short)]);
    expect(Number(longItem?.expiresAt) - Number(longItem?.codeExpiresAt)).toBe(3 * DAY_S);
    expect(Number(shortItem?.expiresAt) - Number(shortItem?.codeExpiresAt)).toBe(DAY_S);
  });

  it("shortening verification days deletes existing verifications past the new period", async () => {
    const retention = { messageBodyDays: 30, messageMetadataDays: 30, verificationDays: 5 };
    const account = await accountWithRetention(retention);
    const id = await startVerification(account.apiKey);
    const later = clockAhead(2 * DAY_MS);
    await runPurgeAt(later, [account.accountId]);
    expect(await rawVerification(id)).toBeDefined();

    const shorter = { ...retention, verificationDays: 1 };
    expect(await dynamoAccountSettingsStore.replace(account.accountId, retention, shorter)).toBe(true);
    await runPurgeAt(later, [account.accountId]);
    expect(await rawVerification(id)).toBeUndefined();
  });
});
