import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { blocklistSize, checkPassword } from "../../functions/identity/password-policy.ts";
import {
  CURRENT_PARAMS,
  hashPassword,
  needsRehash,
  verifyPassword,
} from "../../functions/identity/passwords.ts";
import { updateUser } from "../../functions/identity/users-store.ts";
import { dynamoClient } from "../../functions/shared/aws.ts";
import { demoAccount, useLocalPlatformEnv } from "../support/env.ts";
import { apiClient, createUser, signIn } from "./client.ts";

useLocalPlatformEnv();

const context = {
  email: "maria.tamm@northwind.ee",
  accountName: "Northwind Logistics",
  hasSecondFactor: false,
};
const reasons = async (password: string, extra: Partial<typeof context> = {}) => {
  const verdict = await checkPassword(password, { ...context, ...extra });
  return verdict.ok ? [] : verdict.reasons;
};

describe("password policy (NIST SP 800-63B-4)", () => {
  it("ships a blocklist of at least 10,000 common/breached passwords", async () => {
    expect(await blocklistSize()).toBeGreaterThanOrEqual(10_000);
  });

  it("needs 15 characters, or 8 with a second factor; accepts up to 128", async () => {
    expect(await reasons("violet-otter-91")).toEqual([]);
    expect((await reasons("violet-otter-9")).join()).toMatch(/at least 15/);
    expect(await reasons("v1olet-0tt", { hasSecondFactor: true })).toEqual([]);
    expect((await reasons("v1o-0tt", { hasSecondFactor: true })).join()).toMatch(/at least 8/);
    const long = "slow green river under a patient moon ".repeat(4).slice(0, 128);
    expect(await reasons(long)).toEqual([]);
    expect((await reasons(`${long}x`)).join()).toMatch(/at most 128/);
  });

  it("has no composition rules: a lower-case passphrase is fine", async () => {
    expect(await reasons("correct horse battery staple")).toEqual([]);
  });

  it("rejects blocklisted, repetitive and context-specific passwords", async () => {
    expect((await reasons("iloveyou", { hasSecondFactor: true })).join()).toMatch(/commonly used/);
    expect((await reasons("aaaaaaaaaaaaaaaaaaaa")).join()).toMatch(/too easy/);
    expect((await reasons("maria-secret-garden-77")).join()).toMatch(/email/);
    expect((await reasons("NorthwindRocks-2026!")).join()).toMatch(/account/);
    expect((await reasons("my textgate password 2026")).join()).toMatch(/product/);
  });

  it("gives zxcvbn feedback", async () => {
    const verdict = await checkPassword("qwertyuiop", { ...context, hasSecondFactor: true });
    expect(verdict.ok).toBe(false);
    expect(verdict.feedback.score).toBeLessThanOrEqual(1);
    expect(verdict.feedback.warning ?? verdict.feedback.suggestions.join()).toBeTruthy();
  });
});

describe("password hashing", () => {
  it("scrypt with a per-user salt; verify; rehash when parameters change", async () => {
    const a = await hashPassword("same password here");
    const b = await hashPassword("same password here");
    expect(a).not.toBe(b);
    expect(a.startsWith(`scrypt$${CURRENT_PARAMS.N}$${CURRENT_PARAMS.r}$${CURRENT_PARAMS.p}$`)).toBe(true);
    expect(await verifyPassword("same password here", a)).toBe(true);
    expect(await verifyPassword("same password herE", a)).toBe(false);
    const weak = await hashPassword("old params", { N: 2 ** 12, r: 8, p: 1 });
    expect(needsRehash(weak)).toBe(true);
    expect(needsRehash(a)).toBe(false);
  });

  it("login upgrades a hash made with older parameters", async () => {
    const client = apiClient();
    const demo = demoAccount();
    const owner = await signIn(client, demo.email, demo.password);
    const user = await createUser(client, owner.token, "viewer");
    const me = await client.call("GET", "/v1/account/me", { token: user.token });
    const accountId = me.body.accountId as string;
    await updateUser(accountId, user.userId, {
      passwordHash: await hashPassword(user.password, { N: 2 ** 12, r: 8, p: 1 }),
    });
    await signIn(client, user.email, user.password);
    const { Item } = await dynamoClient().send(
      new GetCommand({
        TableName: process.env.TABLE_ACCOUNTS,
        Key: { pk: `ACC#${accountId}`, sk: `USER#${user.userId}` },
        ConsistentRead: true,
      }),
    );
    expect(needsRehash(String(Item?.passwordHash))).toBe(false);
    expect(await verifyPassword(user.password, String(Item?.passwordHash))).toBe(true);
  });
});
