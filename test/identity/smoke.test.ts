import { describe, expect, it } from "vitest";
import { demoAccount } from "../support/env.ts";
import { apiClient, signIn } from "./client.ts";

describe("smoke", () => {
  it("demo owner signs in and reads /me", async () => {
    const client = apiClient();
    const demo = demoAccount();
    const tokens = await signIn(client, demo.email, demo.password);
    const me = await client.call("GET", "/v1/account/me", { token: tokens.token });
    expect(me.status, JSON.stringify(me.body)).toBe(200);
    expect(me.body.role).toBe("owner");
  });
});
