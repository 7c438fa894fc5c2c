import { beforeAll, describe, expect, it } from "vitest";
import { backoffRules, backoffSeconds } from "../../functions/identity/brute-force.ts";
import { demoAccount, useLocalPlatformEnv } from "../support/env.ts";
import { seedBackoff } from "./backoff-seed.ts";
import { apiClient, createUser, login, signIn, uniqueEmail } from "./client.ts";

useLocalPlatformEnv();

/** Guessing defences through HTTP: no enumeration, back-off with Retry-After, never a permanent lock. */
let ownerToken: string;

beforeAll(async () => {
  const demo = demoAccount();
  ownerToken = (await signIn(apiClient(), demo.email, demo.password)).token;
});

const comparable = (body: Record<string, unknown>) => ({ ...body, instance: undefined });

describe("login guessing", () => {
  it("answers unknown emails exactly like wrong passwords", async () => {
    const client = apiClient();
    const user = await createUser(client, ownerToken, "viewer");
    const wrong = await login(client, user.email, "definitely not the password");
    const unknown = await login(client, uniqueEmail("nobody"), "definitely not the password");
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(comparable(unknown.body)).toEqual(comparable(wrong.body));
    expect(Object.keys(unknown.headers).sort()).toEqual(Object.keys(wrong.headers).sort());
  });

  it("backs off exponentially per account: 429 with Retry-After, for unknown emails too", async () => {
    for (const email of [
      uniqueEmail("target"),
      (await createUser(apiClient(), ownerToken, "viewer")).email,
    ]) {
      // A fresh source address per attempt: the per-account limit must hold on its own.
      const statuses: number[] = [];
      for (let i = 0; i < backoffRules.loginEmail.freeFailures; i++) {
        statuses.push((await login(apiClient(), email, `wrong password ${i}`)).status);
      }
      expect(statuses).toEqual(Array(backoffRules.loginEmail.freeFailures).fill(401));
      // From here each failure doubles the wait (1 s, 2 s, 4 s …), so guessing soon meets 429.
      let last = await login(apiClient(), email, "wrong again");
      for (let i = 0; i < 6 && last.status !== 429; i++)
        last = await login(apiClient(), email, "wrong again");
      expect(last.status).toBe(429);
      expect(Number(last.headers["retry-after"])).toBeGreaterThanOrEqual(1);
      expect(last.headers["content-type"]).toContain("application/problem+json");
    }
  });

  it("backs off per IP across many accounts", async () => {
    const client = apiClient();
    let last = await login(client, uniqueEmail("spray"), "wrong password");
    for (let i = 0; i < backoffRules.loginIp.freeFailures + 6 && last.status !== 429; i++) {
      last = await login(client, uniqueEmail("spray"), "wrong password");
    }
    expect(last.status).toBe(429);
    expect(last.headers["retry-after"]).toBeDefined();
  });

  it("grows the delay exponentially up to a cap", () => {
    const rule = backoffRules.loginEmail;
    expect(backoffSeconds(rule, rule.freeFailures - 1)).toBe(0);
    expect(backoffSeconds(rule, rule.freeFailures)).toBe(1);
    expect(backoffSeconds(rule, rule.freeFailures + 3)).toBe(8);
    expect(backoffSeconds(rule, 99)).toBe(rule.maxSeconds);
  });

  it("never locks an account for good: hundreds of failures only back off, within the cap", async () => {
    const client = apiClient();
    const user = await createUser(client, ownerToken, "developer");
    // 500 earlier failures (the old design locked at 100), the back-off window just over.
    await seedBackoff(backoffRules.loginEmail, user.email, { failures: 500, blockedForSeconds: 0 });
    expect((await login(apiClient(), user.email, "the 501st wrong guess")).status).toBe(401);
    const waiting = await login(apiClient(), user.email, user.password);
    expect(waiting.status).toBe(429);
    expect(Number(waiting.headers["retry-after"])).toBeLessThanOrEqual(backoffRules.loginEmail.maxSeconds);

    // Once the (bounded) wait is over, the right password works: nothing was locked.
    await seedBackoff(backoffRules.loginEmail, user.email, { failures: 501, blockedForSeconds: 0 });
    await signIn(apiClient(), user.email, user.password);
    const users = await client.call("GET", "/v1/account/users", { token: ownerToken });
    const row = users.body.users.find((u: { userId: string }) => u.userId === user.userId);
    expect(row.status).toBe("active");
  });

  it("limits MFA guessing per user across challenges", async () => {
    const client = apiClient();
    const user = await createUser(client, ownerToken, "developer");
    const start = await client.call("POST", "/v1/account/mfa/totp", { token: user.token });
    const { TOTP, Secret } = await import("otpauth");
    const code = new TOTP({ secret: Secret.fromBase32(start.body.secret) }).generate();
    await client.call("POST", "/v1/account/mfa/totp/confirm", { token: user.token, body: { code } });
    const attempt = async () => {
      const challenge = await login(apiClient(), user.email, user.password);
      return client.call("POST", "/v1/auth/mfa", {
        body: { challengeId: challenge.body.challengeId, code: "000000", method: "totp" },
      });
    };
    const statuses: number[] = [];
    for (let i = 0; i < backoffRules.mfaUser.freeFailures; i++) statuses.push((await attempt()).status);
    expect(statuses).toEqual(Array(backoffRules.mfaUser.freeFailures).fill(401));
    // New challenges do not reset the per-user count: the doubling wait soon answers 429.
    let last = await attempt();
    for (let i = 0; i < 5 && last.status !== 429; i++) last = await attempt();
    expect(last.status).toBe(429);
    expect(last.headers["retry-after"]).toBeDefined();
  });
});
