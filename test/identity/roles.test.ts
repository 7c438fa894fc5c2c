import { beforeAll, describe, expect, it } from "vitest";
import { demoAccount } from "../support/env.ts";
import { apiClient, createUser, signIn, uniqueEmail } from "./client.ts";

/** Roles through HTTP: the gateway (authorizer policy) and the identity handlers agree. */
const client = apiClient();
let ownerToken: string;

beforeAll(async () => {
  const demo = demoAccount();
  ownerToken = (await signIn(client, demo.email, demo.password)).token;
});

const sms = { to: "+37255512345", text: "hello" };

describe("roles", () => {
  it('a "viewer" cannot send: 403 problem+json', async () => {
    const viewer = await createUser(client, ownerToken, "viewer");
    const reply = await client.call("POST", "/v1/messages", { token: viewer.token, body: sms });
    expect(reply.status).toBe(403);
    expect(reply.headers["content-type"]).toContain("application/problem+json");
    expect(reply.body).toMatchObject({ status: 403, type: expect.stringContaining("forbidden") });
  });

  it("viewer, developer and billing cannot manage users or keys; admin can, but cannot mint owners", async () => {
    for (const role of ["viewer", "developer", "billing"]) {
      const user = await createUser(client, ownerToken, role);
      for (const [method, path] of [
        ["GET", "/v1/account/users"],
        ["GET", "/v1/account/api-keys"],
      ] as const) {
        const reply = await client.call(method, path, { token: user.token });
        expect(reply.status, `${role} ${method} ${path}`).toBe(403);
      }
      const invite = await client.call("POST", "/v1/account/invitations", {
        token: user.token,
        body: { email: uniqueEmail("x"), role: "admin" },
      });
      expect(invite.status, `${role} invites`).toBe(403);
    }
    const admin = await createUser(client, ownerToken, "admin");
    expect((await client.call("GET", "/v1/account/users", { token: admin.token })).status).toBe(200);
    const owner = await client.call("POST", "/v1/account/invitations", {
      token: admin.token,
      body: { email: uniqueEmail("o"), role: "owner" },
    });
    expect(owner.status).toBe(403);
  });

  it("a role change applies to the user's existing session on identity routes at once", async () => {
    const dev = await createUser(client, ownerToken, "admin");
    expect((await client.call("GET", "/v1/account/users", { token: dev.token })).status).toBe(200);
    const change = await client.call("PATCH", `/v1/account/users/${dev.userId}`, {
      token: ownerToken,
      body: { role: "viewer" },
    });
    expect(change.status).toBe(200);
    expect(change.body.role).toBe("viewer");
    expect((await client.call("GET", "/v1/account/users", { token: dev.token })).status).toBe(403);
  });

  it("nobody changes their own role or status (an admin cannot lock themselves in or out)", async () => {
    const me = await client.call("GET", "/v1/account/me", { token: ownerToken });
    const self = await client.call("PATCH", `/v1/account/users/${me.body.userId}`, {
      token: ownerToken,
      body: { role: "viewer" },
    });
    expect(self.status).toBe(403);
  });

  it("an API key cannot reach user or key administration", async () => {
    const reply = await client.call("GET", "/v1/account/users", { token: demoAccount().apiKey });
    expect(reply.status).toBe(403);
  });
});

describe("API keys", () => {
  it("are shown once, listed by prefix only, rotate and revoke", async () => {
    const created = await client.call("POST", "/v1/account/api-keys", {
      token: ownerToken,
      body: { name: "ci", scopes: ["read"], ipAllowList: ["127.0.0.0/8"], mode: "test" },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const key = created.body.key as string;
    expect(key).toMatch(/^tg_test_/);
    expect(created.body.prefix).toBe(key.slice(0, 12));

    const list = await client.call("GET", "/v1/account/api-keys", { token: ownerToken });
    const listed = list.body.apiKeys.find((k: { keyId: string }) => k.keyId === created.body.keyId);
    expect(listed).toMatchObject({ prefix: created.body.prefix, scopes: ["read"], status: "active" });
    expect(JSON.stringify(list.body)).not.toContain(key);
    expect(JSON.stringify(list.body)).not.toMatch(/"hash"/);

    // The key works for what its scope allows, and not for more.
    expect(
      (await client.call("GET", "/v1/messages/msg_01ARZ3NDEKTSV4RRFFQ69G5FAV", { token: key })).status,
    ).toBe(404);
    expect((await client.call("POST", "/v1/messages", { token: key, body: sms })).status).toBe(403);

    const rotated = await client.call("POST", `/v1/account/api-keys/${created.body.keyId}/rotate`, {
      token: ownerToken,
    });
    expect(rotated.status).toBe(201);
    expect(rotated.body.key).not.toBe(key);
    expect(rotated.body.scopes).toEqual(["read"]);
    const revoke = await client.call("DELETE", `/v1/account/api-keys/${rotated.body.keyId}`, {
      token: ownerToken,
    });
    expect(revoke.status).toBe(204);
    const again = await client.call("DELETE", `/v1/account/api-keys/${rotated.body.keyId}`, {
      token: ownerToken,
    });
    expect(again.status).toBe(404);
  });

  it("rejects malformed allow-list entries", async () => {
    const reply = await client.call("POST", "/v1/account/api-keys", {
      token: ownerToken,
      body: { name: "bad", scopes: ["send"], ipAllowList: ["10.0.0.0/99"] },
    });
    expect(reply.status).toBe(400);
  });
});
