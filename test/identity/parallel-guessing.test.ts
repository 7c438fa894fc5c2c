import { beforeAll, describe, expect, it } from "vitest";
import { backoffRules } from "../../functions/identity/brute-force.ts";
import {
  createChallenge,
  MAX_CHALLENGE_ATTEMPTS,
  reserveChallengeAttempt,
} from "../../functions/identity/challenges.ts";
import { demoAccount, useLocalPlatformEnv } from "../support/env.ts";
import { seedBackoff } from "./backoff-seed.ts";
import { type ApiClient, apiClient, createUser, login, type Reply, signIn, totpCode } from "./client.ts";

useLocalPlatformEnv();

/**
 * Parallel guesses count like sequential ones: every attempt is reserved (conditional write) before
 * it is evaluated. Each test starts a counter deep in its back-off phase with the window just open
 * (seedBackoff), so exactly one of N parallel guesses may be evaluated, whatever the timing; the
 * earlier read-check-then-record code evaluated all of them.
 */
let ownerToken: string;

beforeAll(async () => {
  ownerToken = (await signIn(apiClient(), demoAccount().email, demoAccount().password)).token;
});

/** Deep enough that the next failure's wait (2^9 · base seconds) outlasts the test. */
const DEEP = (rule: { freeFailures: number }) => ({ failures: rule.freeFailures + 8, blockedForSeconds: 0 });
const PARALLEL = 20;

const tally = (replies: readonly Reply[]) => ({
  evaluated: replies.filter((r) => r.status !== 429).length,
  refused: replies.filter((r) => r.status === 429 && Number(r.headers["retry-after"]) >= 1).length,
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
  return { ...user, secret: start.body.secret as string, enrolledAt };
}

describe("parallel guessing", () => {
  it(`${PARALLEL} parallel wrong logins from ${PARALLEL} addresses get one evaluation; the right password then waits`, async () => {
    const user = await createUser(apiClient(), ownerToken, "viewer");
    await seedBackoff(backoffRules.loginEmail, user.email, DEEP(backoffRules.loginEmail));
    const replies = await Promise.all(
      Array.from({ length: PARALLEL }, (_, i) => login(apiClient(), user.email, `wrong guess ${i}`)),
    );
    expect(replies.filter((r) => r.status === 401)).toHaveLength(1);
    expect(tally(replies)).toEqual({ evaluated: 1, refused: PARALLEL - 1 });
    const right = await login(apiClient(), user.email, user.password);
    expect(right.status).toBe(429);
    expect(right.body.token).toBeUndefined();
  });

  it(`${PARALLEL} parallel TOTP guesses on one challenge get one evaluation; the right code then waits`, async () => {
    const client = apiClient();
    const user = await userWithTotp(client);
    const challenge = await login(client, user.email, user.password);
    expect(challenge.body.mfaRequired).toBe(true);
    await seedBackoff(backoffRules.mfaUser, user.userId, DEEP(backoffRules.mfaUser));
    const replies = await Promise.all(
      Array.from({ length: PARALLEL }, (_, i) =>
        apiClient().call("POST", "/v1/auth/mfa", {
          body: { challengeId: challenge.body.challengeId, code: String(100000 + i), method: "totp" },
        }),
      ),
    );
    expect(tally(replies)).toEqual({ evaluated: 1, refused: PARALLEL - 1 });
    const right = await apiClient().call("POST", "/v1/auth/mfa", {
      body: {
        challengeId: challenge.body.challengeId,
        code: totpCode(user.secret, user.enrolledAt + 30_000),
        method: "totp",
      },
    });
    expect(right.status).toBe(429);
    expect(right.body.token).toBeUndefined();
  });

  it("a challenge's code budget is reserved atomically: parallel reservations stop at the limit", async () => {
    const { challengeId } = await createChallenge(
      { accountId: demoAccount().accountId, userId: "usr_01ARZ3NDEKTSV4RRFFQ69G5FAV", methods: ["totp"] },
      new Date(),
    );
    const granted = await Promise.all(
      Array.from({ length: PARALLEL }, () => reserveChallengeAttempt(challengeId, new Date())),
    );
    expect(granted.filter(Boolean)).toHaveLength(MAX_CHALLENGE_ATTEMPTS);
  });

  it(`${PARALLEL} parallel wrong current passwords get one evaluation; the right one then waits`, async () => {
    const client = apiClient();
    const user = await createUser(client, ownerToken, "developer");
    await seedBackoff(backoffRules.passwordProofUser, user.userId, DEEP(backoffRules.passwordProofUser));
    const change = (currentPassword: string) =>
      apiClient().call("POST", "/v1/account/password", {
        token: user.token,
        body: { currentPassword, newPassword: `${user.password}-next` },
      });
    const replies = await Promise.all(Array.from({ length: PARALLEL }, (_, i) => change(`wrong ${i}`)));
    expect(replies.filter((r) => r.status === 403)).toHaveLength(1);
    expect(tally(replies)).toEqual({ evaluated: 1, refused: PARALLEL - 1 });
    expect((await change(user.password)).status).toBe(429);
  });

  it("password changes are also limited per source address, across users", async () => {
    const attacker = apiClient();
    const [first, second] = [
      await createUser(apiClient(), ownerToken, "developer"),
      await createUser(apiClient(), ownerToken, "developer"),
    ];
    await seedBackoff(backoffRules.passwordProofIp, attacker.sourceIp, DEEP(backoffRules.passwordProofIp));
    const change = (user: typeof first, currentPassword: string) =>
      attacker.call("POST", "/v1/account/password", {
        token: user.token,
        body: { currentPassword, newPassword: `${user.password}-next` },
      });
    expect((await change(first, "a wrong guess")).status).toBe(403);
    const other = await change(second, second.password);
    expect(other.status).toBe(429);
    // The same user from another address is not slowed by that source.
    const elsewhere = await apiClient().call("POST", "/v1/account/password", {
      token: second.token,
      body: { currentPassword: second.password, newPassword: `${second.password}-next` },
    });
    expect(elsewhere.status, JSON.stringify(elsewhere.body)).toBe(200);
  });
});
