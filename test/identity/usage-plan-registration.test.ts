import { randomInt } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createApiKey, listApiKeys, revokeApiKey } from "../../functions/auth/api-keys.ts";
import { type UsagePlanKeys, usageKeyName } from "../../functions/auth/usage-plan-keys.ts";
import { createAccountWithOwner } from "../../functions/identity/accounts.ts";
import { systemClock } from "../../functions/shared/clock.ts";
import { DomainError } from "../../functions/shared/problem.ts";
import { demoAccount, useLocalPlatformEnv } from "../support/env.ts";
import { apiClient, signIn, uniqueEmail } from "./client.ts";

/**
 * Keys and accounts are registered with the usage plan as they are created (their ids are the
 * authorizer's usageIdentifierKey, which API Gateway must know), and a failed registration leaves
 * nothing behind. Stores run against DynamoDB Local; the usage plan is a recording fake here, the
 * API Gateway adapter itself is unit-tested in test/auth/usage-plan-keys.test.ts.
 */
useLocalPlatformEnv();

function recordingPlan(options: { failRegister?: boolean } = {}) {
  const registered = new Map<string, string>();
  const unregistered: string[] = [];
  const plan: UsagePlanKeys = {
    async register(value, name) {
      if (options.failRegister) throw Object.assign(new Error("boom"), { name: "TooManyRequestsException" });
      registered.set(value, name);
    },
    async unregister(value) {
      unregistered.push(value);
    },
  };
  return { plan, registered, unregistered };
}

const owner = (email = uniqueEmail("plan")) => ({
  email,
  role: "owner" as const,
  passwordHash: "not-a-login",
});
const newAccount = (plan: UsagePlanKeys, email?: string) =>
  createAccountWithOwner(
    { name: "usage plan test", allowedCountries: ["EE"], owner: owner(email) },
    systemClock,
    plan,
  );

async function expect503(promise: Promise<unknown>): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(DomainError);
  expect((error as DomainError).slug).toBe("service-unavailable");
  expect((error as DomainError).headers["Retry-After"]).toBe("5");
}

describe("usage-plan registration", () => {
  it("registers the account id at account creation and the key id at key creation; revoke unregisters", async () => {
    const { plan, registered, unregistered } = recordingPlan();
    const { account } = await newAccount(plan);
    expect(registered.get(account.accountId)).toBe(usageKeyName(account.accountId));

    const { record } = await createApiKey(
      { accountId: account.accountId, name: "k", scopes: ["send"], mode: "test" },
      systemClock,
      plan,
    );
    expect(registered.get(record.keyId)).toBe(usageKeyName(record.keyId));
    // API Gateway key values must be at least 20 characters.
    expect(record.keyId.length).toBeGreaterThanOrEqual(20);
    expect(account.accountId.length).toBeGreaterThanOrEqual(20);

    expect(await revokeApiKey(account.accountId, record.keyId, systemClock, plan)).toBe(true);
    expect(unregistered).toEqual([record.keyId]);
  });

  it("a key whose registration fails is deleted again and the caller gets a 503", async () => {
    const { account } = await newAccount(recordingPlan().plan);
    await expect503(
      createApiKey(
        { accountId: account.accountId, name: "k", scopes: ["send"], mode: "test" },
        systemClock,
        recordingPlan({ failRegister: true }).plan,
      ),
    );
    expect(await listApiKeys(account.accountId)).toEqual([]);
  });

  it("an account whose registration fails is deleted again: the same email can sign up afterwards", async () => {
    const email = uniqueEmail("plan-retry");
    await expect503(newAccount(recordingPlan({ failRegister: true }).plan, email));
    const { plan, registered } = recordingPlan();
    const { account } = await newAccount(plan, email);
    expect(registered.has(account.accountId)).toBe(true);
  });

  it("revocation stands even if unregistering fails (logged for an operator)", async () => {
    const { account } = await newAccount(recordingPlan().plan);
    const { record } = await createApiKey(
      { accountId: account.accountId, name: "k", scopes: ["send"] },
      systemClock,
      recordingPlan().plan,
    );
    const failing: UsagePlanKeys = {
      register: async () => {},
      unregister: async () => {
        throw new Error("api gateway down");
      },
    };
    expect(await revokeApiKey(account.accountId, record.keyId, systemClock, failing)).toBe(true);
    const [listed] = await listApiKeys(account.accountId);
    expect(listed?.status).toBe("revoked");
  });
});

describe("through the local platform", () => {
  it("an API key created over HTTP works at once: it sends a message; revoked, it is refused", async () => {
    const client = apiClient();
    const demo = demoAccount();
    const { token } = await signIn(client, demo.email, demo.password);
    const created = await client.call("POST", "/v1/account/api-keys", {
      token,
      body: { name: "usage-plan e2e", scopes: ["send", "read"], mode: "test" },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);

    const to = `+37256${String(randomInt(0, 10 ** 5)).padStart(5, "0")}5`;
    const sent = await client.call("POST", "/v1/messages", {
      token: created.body.key,
      body: { to, text: "usage plan registration works" },
    });
    expect(sent.status, JSON.stringify(sent.body)).toBe(202);
    expect(sent.body).toMatchObject({ status: "queued" });

    const revoked = await client.call("DELETE", `/v1/account/api-keys/${created.body.keyId}`, { token });
    expect(revoked.status).toBe(204);
    // From another address: the authorizer cache (keyed on header + source IP) has no entry there.
    const refused = await apiClient().call("POST", "/v1/messages", {
      token: created.body.key,
      body: { to, text: "after revocation" },
    });
    expect(refused.status).toBe(401);
  });
});
