import { beforeAll, describe, expect, it } from "vitest";
import { demoAccount } from "../support/env.ts";
import { apiClient, createUser, login, signIn, totpCode, uniqueEmail } from "./client.ts";

/** Every identity action leaves an audit event, readable through GET /v1/audit/events. */
const client = apiClient();
let ownerToken: string;

beforeAll(async () => {
  const demo = demoAccount();
  ownerToken = (await signIn(client, demo.email, demo.password)).token;
});

interface AuditEvent {
  action: string;
  outcome: string;
  actor: { type: string; id: string };
  target?: { type: string; id: string };
  details?: Record<string, unknown>;
  sourceIp?: string;
}

const startedAt = new Date(Date.now() - 5_000).toISOString();

/** Every event since this file started (paged: other test files write to the same account). */
async function eventsFor(predicate: (event: AuditEvent) => boolean): Promise<AuditEvent[]> {
  const events: AuditEvent[] = [];
  let cursor: string | undefined;
  do {
    const query = new URLSearchParams({ from: startedAt, limit: "100", ...(cursor ? { cursor } : {}) });
    const reply = await client.call("GET", `/v1/audit/events?${query}`, { token: ownerToken });
    expect(reply.status).toBe(200);
    events.push(...(reply.body.events as AuditEvent[]));
    cursor = reply.body.nextCursor;
  } while (cursor);
  return events.filter(predicate);
}

describe("audit trail", () => {
  it("records login, failed login, MFA enrolment, invitations, role change, keys and logout", async () => {
    const user = await createUser(client, ownerToken, "developer");
    await login(client, user.email, "not the right password at all");
    const enrol = await client.call("POST", "/v1/account/mfa/totp", { token: user.token });
    await client.call("POST", "/v1/account/mfa/totp/confirm", {
      token: user.token,
      body: { code: totpCode(enrol.body.secret) },
    });
    await client.call("PATCH", `/v1/account/users/${user.userId}`, {
      token: ownerToken,
      body: { role: "billing" },
    });
    const key = await client.call("POST", "/v1/account/api-keys", {
      token: ownerToken,
      body: { name: "audited", scopes: ["read"] },
    });
    await client.call("DELETE", `/v1/account/api-keys/${key.body.keyId}`, { token: ownerToken });
    await client.call("POST", "/v1/auth/logout", { token: user.token });
    await client.call("POST", "/v1/account/invitations", {
      token: ownerToken,
      body: { email: uniqueEmail("audit"), role: "viewer" },
    });

    const byUser = await eventsFor((e) => e.actor.id === user.userId || e.target?.id === user.userId);
    const actions = byUser.map((e) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        "invitation.accepted",
        "auth.login",
        "auth.login.failed",
        "mfa.enrolled",
        "user.role.changed",
        "auth.logout",
      ]),
    );
    const failed = byUser.find((e) => e.action === "auth.login.failed");
    expect(failed).toMatchObject({ outcome: "failure", sourceIp: client.sourceIp });
    const roleChange = byUser.find((e) => e.action === "user.role.changed");
    expect(roleChange?.details).toMatchObject({ from: "developer", to: "billing" });

    const keyEvents = await eventsFor((e) => e.target?.id === key.body.keyId);
    expect(keyEvents.map((e) => e.action)).toEqual(
      expect.arrayContaining(["apikey.created", "apikey.revoked"]),
    );
    expect(JSON.stringify(keyEvents)).not.toContain(key.body.key);
    const invitations = await eventsFor((e) => e.action === "invitation.sent");
    expect(invitations.length).toBeGreaterThan(0);
  });
});
