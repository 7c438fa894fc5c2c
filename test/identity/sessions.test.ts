import { beforeAll, describe, expect, it } from "vitest";
import { demoAccount } from "../support/env.ts";
import { apiClient, createUser, signIn } from "./client.ts";

/** Refresh rotation, reuse detection, logout and disabling, through HTTP. */
const client = apiClient();
let ownerToken: string;

beforeAll(async () => {
  const demo = demoAccount();
  ownerToken = (await signIn(client, demo.email, demo.password)).token;
});

const refresh = (refreshToken: string) => client.call("POST", "/v1/auth/refresh", { body: { refreshToken } });
const me = (token: string) => client.call("GET", "/v1/account/me", { token });

describe("refresh tokens", () => {
  it("rotate on use: the new pair works, the old refresh token is single use", async () => {
    const user = await createUser(client, ownerToken, "developer");
    const first = await refresh(user.refreshToken);
    expect(first.status).toBe(200);
    expect(first.body.refreshToken).not.toBe(user.refreshToken);
    expect((await me(first.body.token)).status).toBe(200);
    const second = await refresh(first.body.refreshToken);
    expect(second.status).toBe(200);
  });

  it("reuse of a used refresh token is rejected and revokes the whole family", async () => {
    const user = await createUser(client, ownerToken, "developer");
    const rotated = await refresh(user.refreshToken);
    expect(rotated.status).toBe(200);

    const replay = await refresh(user.refreshToken);
    expect(replay.status).toBe(401);
    expect(replay.headers["content-type"]).toContain("application/problem+json");

    // The legitimate holder's newer refresh token belongs to the revoked family too.
    expect((await refresh(rotated.body.refreshToken)).status).toBe(401);
    // And so do the family's access tokens (never used before: the authorizer checks the store).
    expect((await me(rotated.body.token)).status).toBe(401);
    // Other sessions of the same user are untouched.
    const again = await signIn(client, user.email, user.password);
    expect((await me(again.token)).status).toBe(200);
  });

  it("two concurrent refreshes with one token: exactly one gets a new pair", async () => {
    const user = await createUser(client, ownerToken, "developer");
    const replies = await Promise.all([refresh(user.refreshToken), refresh(user.refreshToken)]);
    expect(replies.map((r) => r.status).sort()).toEqual([200, 401]);
  });

  it("rejects malformed and unknown refresh tokens alike", async () => {
    expect((await refresh(`tgr_${"A".repeat(43)}`)).status).toBe(401);
    expect((await refresh("nonsense")).status).toBe(401);
  });
});

describe("logout", () => {
  it("revokes the session: the access token gets 401 and the refresh token is dead", async () => {
    const user = await createUser(client, ownerToken, "viewer");
    expect((await me(user.token)).status).toBe(200);
    const out = await client.call("POST", "/v1/auth/logout", { token: user.token });
    expect(out.status).toBe(204);

    const after = await me(user.token);
    expect(after.status).toBe(401);
    expect(after.headers["content-type"]).toContain("application/problem+json");
    expect((await refresh(user.refreshToken)).status).toBe(401);
    expect((await client.call("POST", "/v1/auth/logout", { token: user.token })).status).toBe(401);
  });

  it("an API key cannot log out (no session)", async () => {
    const reply = await client.call("POST", "/v1/auth/logout", { token: demoAccount().apiKey });
    expect(reply.status).toBe(403);
  });
});

describe("disabling a user", () => {
  it("ends every session at once on identity routes and blocks refresh and sign-in", async () => {
    const user = await createUser(client, ownerToken, "developer");
    const disable = await client.call("PATCH", `/v1/account/users/${user.userId}`, {
      token: ownerToken,
      body: { status: "disabled" },
    });
    expect(disable.status, JSON.stringify(disable.body)).toBe(200);
    expect(disable.body.status).toBe("disabled");
    expect((await me(user.token)).status).toBe(401);
    expect((await refresh(user.refreshToken)).status).toBe(401);
    const login = await client.call("POST", "/v1/auth/login", {
      body: { email: user.email, password: user.password },
    });
    expect(login.status).toBe(401);

    const enable = await client.call("PATCH", `/v1/account/users/${user.userId}`, {
      token: ownerToken,
      body: { status: "active" },
    });
    expect(enable.status).toBe(200);
    await signIn(client, user.email, user.password);
  });
});
