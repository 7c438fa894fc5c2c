import { beforeAll, describe, expect, it } from "vitest";
import { dynamoAuditLog } from "../../functions/audit/store.ts";
import { backoffRules, dynamoFailureTracker } from "../../functions/identity/brute-force.ts";
import { unlockUser } from "../../functions/identity/unlock.ts";
import { systemClock } from "../../functions/shared/clock.ts";
import { demoAccount, useLocalPlatformEnv } from "../support/env.ts";
import { seedBackoff } from "./backoff-seed.ts";
import { type ApiClient, apiClient, createUser, login, type Reply, signIn, totpCode } from "./client.ts";

useLocalPlatformEnv();

/**
 * An attacker's failures throttle the attacker's sources, never the rightful user for good: a client
 * that signed in before presents its device token and keeps signing in (password + second factor)
 * while the account-wide back-off refuses everyone else; an operator or admin can unlock at once.
 */
let ownerToken: string;

beforeAll(async () => {
  ownerToken = (await signIn(apiClient(), demoAccount().email, demoAccount().password)).token;
});

async function userWithTotp(client: ApiClient) {
  const user = await createUser(client, ownerToken, "developer");
  const start = await client.call("POST", "/v1/account/mfa/totp", { token: user.token });
  const enrolledAt = Date.now();
  const confirm = await client.call("POST", "/v1/account/mfa/totp/confirm", {
    token: user.token,
    body: { code: totpCode(start.body.secret, enrolledAt) },
  });
  expect(confirm.status, JSON.stringify(confirm.body)).toBe(200);
  return {
    ...user,
    secret: start.body.secret as string,
    enrolledAt,
    recoveryCodes: confirm.body.recoveryCodes as string[],
  };
}

/** Wrong passwords from fresh addresses until the account-wide back-off answers 429. */
async function hammer(email: string): Promise<Reply> {
  let last = await login(apiClient(), email, "attacker guess");
  for (let i = 0; i < backoffRules.loginEmail.freeFailures + 8 && last.status !== 429; i++) {
    last = await login(apiClient(), email, `attacker guess ${i}`);
  }
  return last;
}

describe("attacker-driven failures never lock the rightful user out", () => {
  it("a known device still signs in with password + second factor while the account is hammered", async () => {
    const device = apiClient();
    const user = await userWithTotp(device);
    // The user's earlier sign-in on this device (here with a recovery code) handed out a device token.
    const first = await login(device, user.email, user.password);
    const done = await device.call("POST", "/v1/auth/mfa", {
      body: { challengeId: first.body.challengeId, code: user.recoveryCodes[0], method: "recovery" },
    });
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    const deviceToken = done.body.deviceToken as string;
    expect(deviceToken).toMatch(/^tgd_/);

    expect((await hammer(user.email)).status).toBe(429);
    // The first back-off windows are a second or two: fast-forward to a long one, so what follows
    // does not depend on how fast this machine runs the requests.
    await seedBackoff(backoffRules.loginEmail, user.email, { failures: 40, blockedForSeconds: 600 });
    // Everyone without the device token waits, even with the right password.
    expect((await login(apiClient(), user.email, user.password)).status).toBe(429);
    // The attacker also knows the password and hammers the second factor of the account.
    await seedBackoff(backoffRules.mfaUser, user.userId, { failures: 40, blockedForSeconds: 600 });

    const challenge = await device.call("POST", "/v1/auth/login", {
      body: { email: user.email, password: user.password, deviceToken },
    });
    expect(challenge.status, JSON.stringify(challenge.body)).toBe(200);
    expect(challenge.body.mfaRequired).toBe(true);
    const signedIn = await device.call("POST", "/v1/auth/mfa", {
      body: {
        challengeId: challenge.body.challengeId,
        code: totpCode(user.secret, user.enrolledAt + 30_000),
        method: "totp",
      },
    });
    expect(signedIn.status, JSON.stringify(signedIn.body)).toBe(200);
    expect((await device.call("GET", "/v1/account/me", { token: signedIn.body.token })).status).toBe(200);
  });

  it("a device token vouches only for its own user", async () => {
    const device = apiClient();
    const alice = await createUser(device, ownerToken, "viewer");
    const bob = await createUser(apiClient(), ownerToken, "viewer");
    const aliceSignIn = await login(device, alice.email, alice.password);
    const aliceDevice = aliceSignIn.body.deviceToken as string;
    expect(aliceDevice).toMatch(/^tgd_/);
    await seedBackoff(backoffRules.loginEmail, bob.email, { failures: 40, blockedForSeconds: 600 });
    const borrowed = await device.call("POST", "/v1/auth/login", {
      body: { email: bob.email, password: bob.password, deviceToken: aliceDevice },
    });
    expect(borrowed.status).toBe(429);
    // A made-up device token is no better than none.
    const forged = await device.call("POST", "/v1/auth/login", {
      body: { email: bob.email, password: bob.password, deviceToken: `tgd_${"A".repeat(43)}` },
    });
    expect(forged.status).toBe(429);
  });

  it("an unlock (operator plane use case) ends every back-off at once and is audited", async () => {
    const user = await createUser(apiClient(), ownerToken, "developer");
    await seedBackoff(backoffRules.loginEmail, user.email, { failures: 40, blockedForSeconds: 600 });
    expect((await login(apiClient(), user.email, user.password)).status).toBe(429);

    const unlocked = await unlockUser(
      { accountId: demoAccount().accountId, userId: user.userId },
      { type: "system", id: "operator-test" },
      { requestId: "test-unlock" },
      { failures: dynamoFailureTracker(systemClock), audit: dynamoAuditLog(systemClock) },
    );
    expect(unlocked.status).toBe("active");
    await signIn(apiClient(), user.email, user.password);

    const audit = await apiClient().call("GET", "/v1/audit/events?action=user.unlocked", {
      token: ownerToken,
    });
    const targets = (audit.body.events as { target?: { id: string } }[]).map((event) => event.target?.id);
    expect(targets).toContain(user.userId);
  });
});
