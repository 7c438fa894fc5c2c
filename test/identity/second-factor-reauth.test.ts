import { randomInt } from "node:crypto";
import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import { REAUTH_MAX_AGE_SECONDS } from "../../functions/identity/reauth.ts";
import { dynamoClient } from "../../functions/shared/aws.ts";
import { demoAccount, useLocalPlatformEnv } from "../support/env.ts";
import {
  type ApiClient,
  apiClient,
  codeSentTo,
  createUser,
  login,
  type Reply,
  signIn,
  totpCode,
} from "./client.ts";

useLocalPlatformEnv();

/**
 * Changing a second factor needs a fresh proof: a sign-in or POST /v1/account/reauth (current
 * password or a current second-factor code) within the last few minutes. A stolen access token of
 * an older session alone cannot swap the SMS phone, remove a factor or mint recovery codes.
 */
const client = apiClient();
let ownerToken: string;

beforeAll(async () => {
  ownerToken = (await signIn(client, demoAccount().email, demoAccount().password)).token;
});

/** Ages the token's session as if its sign-in was longer ago than the re-authentication window. */
async function ageSession(token: string): Promise<void> {
  const claims = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8"));
  const longAgo = new Date(Date.now() - (REAUTH_MAX_AGE_SECONDS + 60) * 1000).toISOString();
  await dynamoClient().send(
    new UpdateCommand({
      TableName: process.env.TABLE_ACCOUNTS,
      Key: { pk: `ACC#${claims.acc}`, sk: `SESSION#${claims.sid}` },
      UpdateExpression: "SET createdAt = :at",
      ConditionExpression: "attribute_exists(pk)",
      ExpressionAttributeValues: { ":at": longAgo },
    }),
  );
}

function expectReauthRequired(reply: Reply): void {
  expect(reply.status, JSON.stringify(reply.body)).toBe(403);
  expect(reply.body.type).toMatch(/\/reauthentication-required$/);
  expect(reply.body.reauthUrl).toBe("/v1/account/reauth");
  expect(reply.body.maxAgeSeconds).toBe(REAUTH_MAX_AGE_SECONDS);
}

async function userWithTotp(api: ApiClient) {
  const user = await createUser(api, ownerToken, "developer");
  const start = await api.call("POST", "/v1/account/mfa/totp", { token: user.token });
  const enrolledAt = Date.now();
  const confirm = await api.call("POST", "/v1/account/mfa/totp/confirm", {
    token: user.token,
    body: { code: totpCode(start.body.secret, enrolledAt) },
  });
  expect(confirm.status, JSON.stringify(confirm.body)).toBe(200);
  return { ...user, secret: start.body.secret as string, enrolledAt };
}

const regenerate = (token: string) => client.call("POST", "/v1/account/mfa/recovery-codes", { token });
const reauth = (token: string, body: unknown) => client.call("POST", "/v1/account/reauth", { token, body });

describe("second factors change only after a recent proof", () => {
  it("recovery codes: a fresh sign-in may regenerate; an old session must re-authenticate first", async () => {
    const user = await userWithTotp(client);
    expect((await regenerate(user.token)).status).toBe(201);

    await ageSession(user.token);
    expectReauthRequired(await regenerate(user.token));
    const wrong = await reauth(user.token, { password: "not the password at all" });
    expect(wrong.status).toBe(403);
    expect(wrong.body.type).toMatch(/\/forbidden$/);
    expectReauthRequired(await regenerate(user.token));

    const ok = await reauth(user.token, { password: user.password });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(Date.parse(ok.body.freshUntil) - Date.parse(ok.body.reauthenticatedAt)).toBe(
      REAUTH_MAX_AGE_SECONDS * 1000,
    );
    const fresh = await regenerate(user.token);
    expect(fresh.status).toBe(201);
    expect(fresh.body.recoveryCodes).toHaveLength(10);
  });

  it("removing TOTP needs a recent proof; a current TOTP code is one", async () => {
    const user = await userWithTotp(client);
    await ageSession(user.token);
    expectReauthRequired(await client.call("DELETE", "/v1/account/mfa/totp", { token: user.token }));
    expect((await login(client, user.email, user.password)).body.mfaRequired).toBe(true);

    const code = totpCode(user.secret, user.enrolledAt + 30_000);
    const proof = await reauth(user.token, { code, method: "totp" });
    expect(proof.status, JSON.stringify(proof.body)).toBe(200);
    // A TOTP code proves something once: replayed, it is refused.
    expect((await reauth(user.token, { code, method: "totp" })).status).toBe(403);
    const removed = await client.call("DELETE", "/v1/account/mfa/totp", { token: user.token });
    expect(removed.status, JSON.stringify(removed.body)).toBe(200);
    expect(removed.body.mfa).toEqual({ totp: false, sms: false });
    const me = await client.call("GET", "/v1/account/me", { token: user.token });
    expect(me.body.mfa).toEqual({ totp: false, sms: false, recoveryCodesLeft: 0 });
    expect((await login(client, user.email, user.password)).body.token).toBeDefined();
  });

  it("replacing an enabled SMS phone needs a recent proof; first enrolment does not", async () => {
    const user = await createUser(client, ownerToken, "billing");
    const phone = `+3725${String(randomInt(0, 10_000_000)).padStart(7, "0")}`;
    await ageSession(user.token);
    // No SMS factor yet: enrolling the first phone is not a change of factor.
    const start = await client.call("POST", "/v1/account/mfa/sms", { token: user.token, body: { phone } });
    expect(start.status, JSON.stringify(start.body)).toBe(202);
    const confirm = await client.call("POST", "/v1/account/mfa/sms/confirm", {
      token: user.token,
      body: { code: await codeSentTo(phone) },
    });
    expect(confirm.status, JSON.stringify(confirm.body)).toBe(200);

    const otherPhone = `+3725${String(randomInt(0, 10_000_000)).padStart(7, "0")}`;
    expectReauthRequired(
      await client.call("POST", "/v1/account/mfa/sms", { token: user.token, body: { phone: otherPhone } }),
    );
    expect((await reauth(user.token, { password: user.password })).status).toBe(200);
    const replaced = await client.call("POST", "/v1/account/mfa/sms", {
      token: user.token,
      body: { phone: otherPhone },
    });
    expect(replaced.status, JSON.stringify(replaced.body)).toBe(202);
  });
});
