import { beforeAll, describe, expect, it } from "vitest";
import { createAccountWithOwner } from "../../functions/identity/accounts.ts";
import { hashPassword } from "../../functions/identity/passwords.ts";
import { systemClock } from "../../functions/shared/clock.ts";
import { demoAccount, useLocalPlatformEnv } from "../support/env.ts";
import { invitationTokenFor, mailTo } from "../support/mail.ts";
import { apiClient, createUser, signIn, strongPassword, uniqueEmail } from "./client.ts";

useLocalPlatformEnv();

/**
 * Invitations go to the invited address only, reveal nothing about other tenants' users, die with
 * the inviter's rights, and can be listed and revoked by the account's owners and admins.
 */
const client = apiClient();
let ownerToken: string;
const startedAt = new Date(Date.now() - 5_000).toISOString();

beforeAll(async () => {
  const demo = demoAccount();
  ownerToken = (await signIn(client, demo.email, demo.password)).token;
});

const invite = (token: string, email: string, role = "developer") =>
  client.call("POST", "/v1/account/invitations", { token, body: { email, role } });
const accept = (token: string) =>
  client.call("POST", "/v1/account/invitations/accept", { body: { token, password: strongPassword() } });
const list = (token: string) => client.call("GET", "/v1/account/invitations", { token });
const revoke = (token: string, id: string) =>
  client.call("DELETE", `/v1/account/invitations/${id}`, { token });

async function auditEvents(
  action: string,
): Promise<{ target?: { id: string }; details?: Record<string, unknown> }[]> {
  const query = new URLSearchParams({ from: startedAt, action, limit: "100" });
  const reply = await client.call("GET", `/v1/audit/events?${query}`, { token: ownerToken });
  expect(reply.status).toBe(200);
  return reply.body.events;
}

describe("invitation delivery", () => {
  it("the inviter gets id and expiry, never the token; the invitee's email holds a token= link", async () => {
    const email = uniqueEmail("mailed");
    const sent = await invite(ownerToken, email);
    expect(sent.status).toBe(201);
    expect(Object.keys(sent.body).sort()).toEqual(["email", "expiresAt", "invitationId", "role"]);
    expect(JSON.stringify(sent.body)).not.toContain("tgi_");
    const token = await invitationTokenFor(email);
    const [mail] = await mailTo(email);
    expect(mail?.text).toMatch(/https?:\/\/\S+[?&]token=tgi_[A-Za-z0-9_-]{43}/);
    expect((await accept(token)).status).toBe(201);
    const [event] = (await auditEvents("invitation.sent")).filter(
      (e) => e.target?.id === sent.body.invitationId,
    );
    expect(event?.details).toMatchObject({ email, role: "developer" });
  });

  it("inviting an address that signs in to another tenant looks exactly like inviting a new one", async () => {
    const taken = uniqueEmail("other-tenant-owner");
    await createAccountWithOwner(
      {
        name: "Other tenant",
        allowedCountries: ["EE"],
        owner: { email: taken, role: "owner", passwordHash: "not-a-login" },
      },
      systemClock,
    );
    const fresh = uniqueEmail("nobody-yet");
    const replies = [await invite(ownerToken, taken), await invite(ownerToken, fresh)];
    for (const reply of replies) {
      expect(reply.status).toBe(201);
      expect(Object.keys(reply.body).sort()).toEqual(["email", "expiresAt", "invitationId", "role"]);
    }
    // Only the mailbox owner learns, at acceptance, that the address already has a sign-in.
    expect((await accept(await invitationTokenFor(taken))).status).toBe(409);
  });
});

describe("inviter's rights at acceptance", () => {
  it("an invitation from an admin who was demoted, or disabled, is refused", async () => {
    for (const change of [{ role: "developer" }, { status: "disabled" }]) {
      const admin = await createUser(client, ownerToken, "admin");
      const email = uniqueEmail("from-admin");
      expect((await invite(admin.token, email)).status).toBe(201);
      const token = await invitationTokenFor(email);
      const patched = await client.call("PATCH", `/v1/account/users/${admin.userId}`, {
        token: ownerToken,
        body: change,
      });
      expect(patched.status, JSON.stringify(patched.body)).toBe(200);
      expect((await accept(token)).status, JSON.stringify(change)).toBe(401);
    }
  });

  it("an active admin's invitation still works", async () => {
    const admin = await createUser(client, ownerToken, "admin");
    const email = uniqueEmail("from-active-admin");
    expect((await invite(admin.token, email)).status).toBe(201);
    expect((await accept(await invitationTokenFor(email))).status).toBe(201);
  });
});

describe("listing and revoking invitations", () => {
  it("owners list pending invitations and revoke one: its token dies at once, the event names the email", async () => {
    const email = uniqueEmail("revoked");
    const sent = await invite(ownerToken, email, "viewer");
    const listed = await list(ownerToken);
    expect(listed.status).toBe(200);
    const entry = listed.body.invitations.find(
      (i: { invitationId: string }) => i.invitationId === sent.body.invitationId,
    );
    expect(entry).toMatchObject({ email, role: "viewer", expiresAt: sent.body.expiresAt });
    expect(Object.keys(entry).sort()).toEqual([
      "createdAt",
      "email",
      "expiresAt",
      "invitationId",
      "invitedBy",
      "role",
    ]);

    expect((await revoke(ownerToken, sent.body.invitationId)).status).toBe(204);
    expect((await accept(await invitationTokenFor(email))).status).toBe(401);
    expect((await revoke(ownerToken, sent.body.invitationId)).status).toBe(404);
    const after = await list(ownerToken);
    expect(after.body.invitations.map((i: { invitationId: string }) => i.invitationId)).not.toContain(
      sent.body.invitationId,
    );
    const [event] = (await auditEvents("invitation.revoked")).filter(
      (e) => e.target?.id === sent.body.invitationId,
    );
    expect(event?.details).toMatchObject({ email, role: "viewer" });
  });

  it("an admin cannot revoke an owner's invitation; a developer cannot list; other tenants see none", async () => {
    const ownerInvite = await invite(ownerToken, uniqueEmail("future-owner"), "owner");
    const admin = await createUser(client, ownerToken, "admin");
    expect((await revoke(admin.token, ownerInvite.body.invitationId)).status).toBe(403);
    const developer = await createUser(client, ownerToken, "developer");
    expect((await list(developer.token)).status).toBe(403);

    const otherOwnerEmail = uniqueEmail("tenant-b-owner");
    const password = strongPassword();
    await createAccountWithOwner(
      {
        name: "Tenant B",
        allowedCountries: ["EE"],
        owner: { email: otherOwnerEmail, role: "owner", passwordHash: await hashPassword(password) },
      },
      systemClock,
    );
    const otherToken = (await signIn(client, otherOwnerEmail, password)).token;
    expect((await list(otherToken)).body.invitations).toEqual([]);
    expect((await revoke(otherToken, ownerInvite.body.invitationId)).status).toBe(404);
  });
});
