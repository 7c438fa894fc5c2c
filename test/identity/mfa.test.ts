import { beforeAll, describe, expect, it } from "vitest";
import { demoAccount } from "../support/env.ts";
import { type ApiClient, apiClient, createUser, login, signIn, totpCode } from "./client.ts";

/** Second factor: TOTP enrolment, challenge-based login, replay protection, recovery codes. */
const client = apiClient();
let ownerToken: string;

beforeAll(async () => {
  const demo = demoAccount();
  ownerToken = (await signIn(client, demo.email, demo.password)).token;
});

const STEP_MS = 30_000;

/** Enrols TOTP for a fresh user; returns the secret, the recovery codes and the step used. */
async function userWithTotp(api: ApiClient) {
  const user = await createUser(api, ownerToken, "developer");
  const start = await api.call("POST", "/v1/account/mfa/totp", { token: user.token });
  expect(start.status).toBe(201);
  expect(start.body.otpauthUri).toMatch(/^otpauth:\/\/totp\/Textgate:.+\?.*secret=/);
  const secret = start.body.secret as string;
  const now = Date.now();
  const confirm = await api.call("POST", "/v1/account/mfa/totp/confirm", {
    token: user.token,
    body: { code: totpCode(secret, now) },
  });
  expect(confirm.status, JSON.stringify(confirm.body)).toBe(200);
  expect(confirm.body.recoveryCodes).toHaveLength(10);
  return { ...user, secret, recoveryCodes: confirm.body.recoveryCodes as string[], enrolledAt: now };
}

const deepKeys = (value: unknown): string[] =>
  value && typeof value === "object" ? Object.entries(value).flatMap(([k, v]) => [k, ...deepKeys(v)]) : [];

describe("TOTP enrolment", () => {
  it("needs one valid code before it is active", async () => {
    const user = await createUser(client, ownerToken, "viewer");
    const start = await client.call("POST", "/v1/account/mfa/totp", { token: user.token });
    const wrong = await client.call("POST", "/v1/account/mfa/totp/confirm", {
      token: user.token,
      body: { code: totpCode(start.body.secret, Date.now() + 10 * STEP_MS) },
    });
    expect(wrong.status).toBe(422);
    // Not active: password alone still signs in.
    const plain = await login(client, user.email, user.password);
    expect(plain.body.token).toBeDefined();
  });
});

describe("login with a second factor", () => {
  it("never yields an access token from the password alone", async () => {
    const user = await userWithTotp(client);
    const reply = await login(client, user.email, user.password);
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({
      mfaRequired: true,
      methods: expect.arrayContaining(["totp", "recovery"]),
    });
    expect(deepKeys(reply.body)).not.toContain("token");
    expect(deepKeys(reply.body)).not.toContain("refreshToken");
    expect(JSON.stringify(reply.body)).not.toMatch(/eyJ/);
    // The challenge id is not a token: no authorized route accepts it.
    const sneaky = await client.call("GET", "/v1/account/me", { token: reply.body.challengeId });
    expect(sneaky.status).toBe(401);
    // A wrong code does not either.
    const bad = await client.call("POST", "/v1/auth/mfa", {
      body: { challengeId: reply.body.challengeId, code: "000000", method: "totp" },
    });
    expect(bad.status).toBe(401);
    expect(deepKeys(bad.body)).not.toContain("token");
  });

  it("accepts a TOTP code once: a replayed code is rejected", async () => {
    const user = await userWithTotp(client);
    // The enrolment consumed the current step; the next step's code is inside the ±1 window.
    const code = totpCode(user.secret, user.enrolledAt + STEP_MS);

    const first = await login(client, user.email, user.password);
    const ok = await client.call("POST", "/v1/auth/mfa", {
      body: { challengeId: first.body.challengeId, code, method: "totp" },
    });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body.token).toBeDefined();
    expect((await client.call("GET", "/v1/account/me", { token: ok.body.token })).status).toBe(200);

    const second = await login(client, user.email, user.password);
    const replay = await client.call("POST", "/v1/auth/mfa", {
      body: { challengeId: second.body.challengeId, code, method: "totp" },
    });
    expect(replay.status).toBe(401);
    expect(replay.body.token).toBeUndefined();
    // Also an older step (the enrolment code) is no longer accepted.
    const older = await client.call("POST", "/v1/auth/mfa", {
      body: { challengeId: second.body.challengeId, code: totpCode(user.secret, user.enrolledAt) },
    });
    expect(older.status).toBe(401);
  });

  it("one TOTP code raced on two challenges signs in once", async () => {
    const user = await userWithTotp(client);
    const code = totpCode(user.secret, user.enrolledAt + STEP_MS);
    const [a, b] = await Promise.all([
      login(client, user.email, user.password),
      login(client, user.email, user.password),
    ]);
    const replies = await Promise.all(
      [a, b].map((c) =>
        client.call("POST", "/v1/auth/mfa", { body: { challengeId: c.body.challengeId, code } }),
      ),
    );
    expect(replies.map((r) => r.status).sort()).toEqual([200, 401]);
  });

  it("a challenge completes once", async () => {
    const user = await userWithTotp(client);
    const challenge = await login(client, user.email, user.password);
    const body = { challengeId: challenge.body.challengeId, code: user.recoveryCodes[0] };
    expect((await client.call("POST", "/v1/auth/mfa", { body })).status).toBe(200);
    const again = await client.call("POST", "/v1/auth/mfa", {
      body: { challengeId: challenge.body.challengeId, code: user.recoveryCodes[1] },
    });
    expect(again.status).toBe(401);
  });

  it("recovery codes work once each", async () => {
    const user = await userWithTotp(client);
    const code = user.recoveryCodes[2] ?? "";
    const first = await login(client, user.email, user.password);
    const used = await client.call("POST", "/v1/auth/mfa", {
      body: { challengeId: first.body.challengeId, code, method: "recovery" },
    });
    expect(used.status).toBe(200);
    const second = await login(client, user.email, user.password);
    const reused = await client.call("POST", "/v1/auth/mfa", {
      body: { challengeId: second.body.challengeId, code, method: "recovery" },
    });
    expect(reused.status).toBe(401);
    const me = await client.call("GET", "/v1/account/me", { token: used.body.token });
    expect(me.body.mfa).toMatchObject({ totp: true, recoveryCodesLeft: 9 });
  });

  it("asking for an SMS code when the user has no SMS factor is refused", async () => {
    const user = await userWithTotp(client);
    const challenge = await login(client, user.email, user.password);
    const sms = await client.call("POST", "/v1/auth/mfa/sms", {
      body: { challengeId: challenge.body.challengeId },
    });
    expect(sms.status).toBe(409);
    expect(sms.body.token).toBeUndefined();
  });
});
