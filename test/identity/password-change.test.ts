import { beforeAll, describe, expect, it } from "vitest";
import { demoAccount } from "../support/env.ts";
import { apiClient, createUser, login, signIn, strongPassword, totpCode } from "./client.ts";

/** Changing a password: needs the current one, follows the policy (8+ only with 2FA), ends other sessions. */
const client = apiClient();
let ownerToken: string;

beforeAll(async () => {
  const demo = demoAccount();
  ownerToken = (await signIn(client, demo.email, demo.password)).token;
});

const change = (token: string, currentPassword: string, newPassword: string) =>
  client.call("POST", "/v1/account/password", { token, body: { currentPassword, newPassword } });

describe("password change", () => {
  it("requires the current password and ends the user's other sessions", async () => {
    const user = await createUser(client, ownerToken, "developer");
    const other = await signIn(client, user.email, user.password);
    expect((await change(user.token, "not my password at all", strongPassword())).status).toBe(403);

    const next = strongPassword();
    const ok = await change(user.token, user.password, next);
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body.sessionsEnded).toBeGreaterThanOrEqual(1);
    expect((await client.call("GET", "/v1/account/me", { token: user.token })).status).toBe(200);
    expect((await client.call("GET", "/v1/account/me", { token: other.token })).status).toBe(401);
    expect((await login(client, user.email, user.password)).status).toBe(401);
    await signIn(client, user.email, next);
  });

  it("allows 8 characters only once a second factor is on", async () => {
    const user = await createUser(client, ownerToken, "viewer");
    const short = "k7#vQ2!x9";
    const refused = await change(user.token, user.password, short);
    expect(refused.status).toBe(400);
    expect(refused.body.errors[0].message).toMatch(/at least 15/);

    const start = await client.call("POST", "/v1/account/mfa/totp", { token: user.token });
    await client.call("POST", "/v1/account/mfa/totp/confirm", {
      token: user.token,
      body: { code: totpCode(start.body.secret) },
    });
    const accepted = await change(user.token, user.password, short);
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);
    const challenge = await login(client, user.email, short);
    expect(challenge.body.mfaRequired).toBe(true);
  });
});
