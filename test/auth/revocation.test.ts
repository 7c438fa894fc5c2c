import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  cachedSessionLookup,
  forgetSession,
  SESSION_CACHE_MS,
  type SessionState,
} from "../../functions/identity/access-token.ts";
import { catalog } from "../../lib/catalog/index.ts";
import { AUTHORIZER_CACHE_TTL_MS } from "../../local/gateway/authorizer.ts";
import { type ApiClient, apiClient, createUser, signIn } from "../identity/client.ts";
import { demoAccount, useLocalPlatformEnv } from "../support/env.ts";

/**
 * Revocation through the authorizer on a non-identity route. A gateway in this process with its
 * result cache off shows what the authorizer itself decides; the bound with caches on is
 * authorizer cache (30 s) + session cache (≤ 30 s) ≤ 60 s.
 */
useLocalPlatformEnv();
for (const fn of catalog.functions) Object.assign(process.env, fn.environment ?? {});

let client: ApiClient;
let stop: (() => Promise<void>) | undefined;
let ownerToken: string;

beforeAll(async () => {
  const { startApiGateway } = await import("../../local/api-gateway.ts");
  const gateway = await startApiGateway({
    stage: inject("platformEnv").TEXTGATE_STAGE ?? "local",
    port: 0,
    authorizerCacheTtlMs: 0,
  });
  stop = () => gateway.stop();
  client = apiClient(gateway.url);
  const demo = demoAccount();
  ownerToken = (await signIn(client, demo.email, demo.password)).token;
});

afterAll(async () => {
  await stop?.();
});

const readMessage = (token: string) =>
  client.call("GET", "/v1/messages/msg_01ARZ3NDEKTSV4RRFFQ69G5FAV", { token });

describe("revocation reaches the authorizer", () => {
  it("a disabled user's access token is refused on every route", async () => {
    const user = await createUser(client, ownerToken, "developer");
    expect((await readMessage(user.token)).status).toBe(404); // authorized; the message does not exist
    const disable = await client.call("PATCH", `/v1/account/users/${user.userId}`, {
      token: ownerToken,
      body: { status: "disabled" },
    });
    expect(disable.status).toBe(200);
    expect((await readMessage(user.token)).status).toBe(401);
  });

  it("a logged-out token is refused on every route", async () => {
    const user = await createUser(client, ownerToken, "viewer");
    expect((await readMessage(user.token)).status).toBe(404);
    expect((await client.call("POST", "/v1/auth/logout", { token: user.token })).status).toBe(204);
    expect((await readMessage(user.token)).status).toBe(401);
  });

  it("the authorizer takes the role from the store, not from the token's role claim", async () => {
    const user = await createUser(client, ownerToken, "developer");
    // Demoted after the token was issued (its claim still says developer), before its first use.
    await client.call("PATCH", `/v1/account/users/${user.userId}`, {
      token: ownerToken,
      body: { role: "viewer" },
    });
    const reply = await client.call("POST", "/v1/messages", {
      token: user.token,
      body: { to: "+37255512345", text: "hi" },
    });
    expect(reply.status).toBe(403);
  });
});

/**
 * The same through the platform's own gateway, whose authorizer result cache (30 s) is ON: routes
 * that spend money or change data re-check a user token's session themselves, so a logout, disable
 * or demotion is refused at once even while the cache still allows the token (ASVS 5.0 V7.4.1).
 */
describe("money and data routes check the live session behind the authorizer cache", () => {
  const cached = () => apiClient(inject("apiUrl"));
  const sms = { to: "+37255512345", text: "live session check" };

  it("a logged-out token can neither send SMS nor start, check or cancel verifications", async () => {
    const api = cached();
    const user = await createUser(api, ownerToken, "developer");
    // This call puts an "allow" for the token into the gateway's authorizer cache.
    const before = await api.call("POST", "/v1/messages", { token: user.token, body: sms });
    expect(before.status, JSON.stringify(before.body)).toBe(202);
    expect((await api.call("POST", "/v1/auth/logout", { token: user.token })).status).toBe(204);

    expect((await api.call("POST", "/v1/messages", { token: user.token, body: sms })).status).toBe(401);
    const start = await api.call("POST", "/v1/verifications", {
      token: user.token,
      body: { to: sms.to },
    });
    expect(start.status).toBe(401);
    const unknown = "ver_01ARZ3NDEKTSV4RRFFQ69G5FAV";
    const check = await api.call("POST", `/v1/verifications/${unknown}/checks`, {
      token: user.token,
      body: { code: "123456" },
    });
    expect(check.status).toBe(401);
    expect(
      (await api.call("POST", `/v1/verifications/${unknown}/cancel`, { token: user.token })).status,
    ).toBe(401);
  });

  it("a user demoted after the cache said yes cannot send any more", async () => {
    const api = cached();
    const user = await createUser(api, ownerToken, "developer");
    expect((await api.call("POST", "/v1/messages", { token: user.token, body: sms })).status).toBe(202);
    const demote = await api.call("PATCH", `/v1/account/users/${user.userId}`, {
      token: ownerToken,
      body: { role: "viewer" },
    });
    expect(demote.status).toBe(200);
    expect((await api.call("POST", "/v1/messages", { token: user.token, body: sms })).status).toBe(403);
  });

  it("API keys keep the authorizer's result (documented window for revoked keys)", async () => {
    const api = cached();
    const reply = await api.call("POST", "/v1/messages", { token: demoAccount().apiKey, body: sms });
    expect(reply.status, JSON.stringify(reply.body)).toBe(202);
  });
});

describe("cache bounds", () => {
  it("authorizer result cache + session cache stay within the 60 s promise", () => {
    expect(AUTHORIZER_CACHE_TTL_MS + SESSION_CACHE_MS).toBeLessThanOrEqual(60_000);
    expect(SESSION_CACHE_MS).toBeLessThanOrEqual(30_000);
  });

  it("the session cache re-reads the store after its TTL and after forgetSession", async () => {
    let clock = 0;
    let reads = 0;
    let state: SessionState = { role: "admin" };
    const lookup = cachedSessionLookup(
      async () => {
        reads += 1;
        return state;
      },
      SESSION_CACHE_MS,
      () => clock,
    );
    const sid = `ses_cache_test_${Math.random()}`;
    expect(await lookup("acc", "usr", sid)).toEqual({ role: "admin" });
    state = undefined; // revoked in the store
    clock += SESSION_CACHE_MS - 1;
    expect(await lookup("acc", "usr", sid)).toEqual({ role: "admin" });
    expect(reads).toBe(1);
    clock += 1;
    expect(await lookup("acc", "usr", sid)).toBeUndefined();
    expect(reads).toBe(2);
    state = { role: "viewer" };
    forgetSession(sid);
    expect(await lookup("acc", "usr", sid)).toEqual({ role: "viewer" });
    expect(reads).toBe(3);
  });
});
