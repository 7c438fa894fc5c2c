import { randomInt } from "node:crypto";
import type { APIGatewayRequestAuthorizerEvent } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { createApiKey, listApiKeys, revokeApiKey } from "../../functions/auth/api-keys.ts";
import { handler as authorizer } from "../../functions/auth/authorizer.ts";
import { type UsagePlanKeys, usageIdentifier, usageKeyName } from "../../functions/auth/usage-plan-keys.ts";
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

const authorizerEvent = (token: string) =>
  ({
    type: "REQUEST",
    methodArn: "arn:aws:execute-api:eu-central-1:123456789012:api123/prod/POST/v1/messages",
    headers: { Authorization: `Bearer ${token}` },
    requestContext: { identity: { sourceIp: "127.0.0.1" } },
  }) as unknown as APIGatewayRequestAuthorizerEvent;

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
    const accountValue = usageIdentifier(account.accountId);
    expect(registered.get(accountValue)).toBe(usageKeyName(accountValue));

    const { key, record } = await createApiKey(
      { accountId: account.accountId, name: "k", scopes: ["send"], mode: "test" },
      systemClock,
      plan,
    );
    const keyValue = usageIdentifier(record.keyId);
    expect(registered.get(keyValue)).toBe(usageKeyName(keyValue));
    // API Gateway key values: alphanumeric, 20–128 characters.
    for (const value of [accountValue, keyValue]) expect(value).toMatch(/^[A-Za-z0-9]{20,128}$/);

    // What the authorizer returns is exactly what was registered (else API Gateway answers 403).
    const decision = await authorizer(authorizerEvent(key));
    expect(decision.usageIdentifierKey).toBe(keyValue);

    expect(await revokeApiKey(account.accountId, record.keyId, systemClock, plan)).toBe(true);
    expect(unregistered).toEqual([keyValue]);
  });

  it("a user token's usageIdentifierKey is the registered form of its account id", async () => {
    const demo = demoAccount();
    const { token } = await signIn(apiClient(), demo.email, demo.password);
    const decision = await authorizer(authorizerEvent(token));
    expect(decision.usageIdentifierKey).toBe(usageIdentifier(demo.accountId));
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
    expect(registered.has(usageIdentifier(account.accountId))).toBe(true);
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
