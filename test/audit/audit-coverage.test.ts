/**
 * Issue 13: every listed action writes exactly one audit event with who (actor type + id), where
 * (source IP, User-Agent, request id) and when, readable through GET /v1/audit/events. Each
 * audited request carries a User-Agent of its own; the events carrying it are what it wrote.
 */
import { randomInt } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backoffRules } from "../../functions/identity/brute-force.ts";
import { signedAdminRequest } from "../admin/support.ts";
import { seedBackoff } from "../identity/backoff-seed.ts";
import { apiClient, login, strongPassword, totpCode, uniqueEmail } from "../identity/client.ts";
import { useLocalPlatformEnv } from "../support/env.ts";
import { invitationTokenFor } from "../support/mail.ts";
import { type Receiver, startReceiver } from "../webhooks/support.ts";
import {
  type AuditedAccount,
  auditTrail,
  createAuditedAccount,
  onlyEventOf,
  uniqueUserAgent,
} from "./support.ts";

useLocalPlatformEnv();

const client = apiClient();
let account: AuditedAccount;
let receiver: Receiver;
/** Everything secret or personal the requests below sent: none of it may appear in an event. */
const secrets: string[] = [];
/** Addresses that only invitation events may name (the issue asks for the invited email). */
const emails: string[] = [];
const member = { email: uniqueEmail("audit-member"), password: strongPassword(), userId: "", token: "" };

const estonianNumber = (): string => `+3725${String(randomInt(0, 10_000_000)).padStart(7, "0")}`;
const germanNumber = (): string => `+49151${String(randomInt(0, 100_000_000)).padStart(8, "0")}`;

/** Sends one request as the owner with a fresh User-Agent; returns the reply and that agent. */
async function asOwner(method: string, path: string, label: string, body?: unknown) {
  const userAgent = uniqueUserAgent(label);
  const reply = await client.call(method, path, { token: account.ownerToken, body, userAgent });
  return { reply, userAgent };
}

const eventOf = (userAgent: string, action: string) =>
  onlyEventOf(client, account.ownerToken, userAgent, action);

beforeAll(async () => {
  account = await createAuditedAccount(client);
  receiver = await startReceiver();
  secrets.push(account.ownerPassword, account.ownerToken, member.password);
  emails.push(account.ownerEmail, member.email);
});
afterAll(async () => {
  await receiver?.stop();
});

describe("every listed action writes exactly one audit event with actor, IP, user agent and time", () => {
  it("invitation sent, accepted and revoked, each naming the invited email", async () => {
    const sent = await asOwner("POST", "/v1/account/invitations", "invite", {
      email: member.email,
      role: "developer",
    });
    expect(sent.reply.status).toBe(201);
    expect(await eventOf(sent.userAgent, "invitation.sent")).toMatchObject({
      actor: { type: "user", id: account.ownerId },
      target: { type: "invitation", id: sent.reply.body.invitationId },
      details: { email: member.email, role: "developer" },
    });

    const acceptAgent = uniqueUserAgent("accept");
    const token = await invitationTokenFor(member.email);
    secrets.push(token);
    const accepted = await client.call("POST", "/v1/account/invitations/accept", {
      body: { token, password: member.password },
      userAgent: acceptAgent,
    });
    expect(accepted.status).toBe(201);
    member.userId = accepted.body.userId;
    expect(await eventOf(acceptAgent, "invitation.accepted")).toMatchObject({
      actor: { type: "user", id: member.userId },
      details: { email: member.email, role: "developer" },
    });

    const other = uniqueEmail("audit-revoked");
    emails.push(other);
    const pending = await asOwner("POST", "/v1/account/invitations", "invite-2", {
      email: other,
      role: "viewer",
    });
    const id = pending.reply.body.invitationId;
    const revoked = await asOwner("DELETE", `/v1/account/invitations/${id}`, "revoke-invitation");
    expect(revoked.reply.status).toBe(204);
    expect(await eventOf(revoked.userAgent, "invitation.revoked")).toMatchObject({
      actor: { type: "user", id: account.ownerId },
      target: { type: "invitation", id },
      details: { email: other },
    });
  });

  it("login success and failure, refresh-token reuse, logout and a throttled login", async () => {
    const loginAgent = uniqueUserAgent("login");
    const signedIn = await client.call("POST", "/v1/auth/login", {
      body: { email: member.email, password: member.password },
      userAgent: loginAgent,
    });
    expect(signedIn.status).toBe(200);
    member.token = signedIn.body.token;
    secrets.push(signedIn.body.token, signedIn.body.refreshToken);
    expect(await eventOf(loginAgent, "auth.login")).toMatchObject({
      actor: { type: "user", id: member.userId },
      outcome: "success",
      target: { type: "session" },
    });

    const failAgent = uniqueUserAgent("login-failed");
    const wrong = `${strongPassword()}x`;
    secrets.push(wrong);
    const failed = await client.call("POST", "/v1/auth/login", {
      body: { email: member.email, password: wrong },
      userAgent: failAgent,
    });
    expect(failed.status).toBe(401);
    // The caller proved nothing: it is only an address; the user it tried is the target.
    expect(await eventOf(failAgent, "auth.login.failed")).toMatchObject({
      actor: { type: "anonymous", id: client.sourceIp },
      outcome: "failure",
      target: { type: "user", id: member.userId },
      class: "short",
    });

    const second = (await login(client, member.email, member.password)).body;
    secrets.push(second.token, second.refreshToken);
    const rotated = await client.call("POST", "/v1/auth/refresh", {
      body: { refreshToken: second.refreshToken },
    });
    expect(rotated.status).toBe(200);
    secrets.push(rotated.body.token, rotated.body.refreshToken);
    const reuseAgent = uniqueUserAgent("refresh-reuse");
    const reused = await client.call("POST", "/v1/auth/refresh", {
      body: { refreshToken: second.refreshToken },
      userAgent: reuseAgent,
    });
    expect(reused.status).toBe(401);
    expect(await eventOf(reuseAgent, "auth.refresh.reused")).toMatchObject({
      actor: { type: "system" },
      outcome: "blocked",
      target: { type: "session" },
      details: { userId: member.userId, sessionRevoked: true },
    });

    const third = (await login(client, member.email, member.password)).body;
    secrets.push(third.token, third.refreshToken);
    const logoutAgent = uniqueUserAgent("logout");
    const out = await client.call("POST", "/v1/auth/logout", { token: third.token, userAgent: logoutAgent });
    expect(out.status).toBe(204);
    expect(await eventOf(logoutAgent, "auth.logout")).toMatchObject({
      actor: { type: "user", id: member.userId },
      target: { type: "session" },
    });

    // The sign-in back-off of this email is already in its waiting phase: the next attempt is refused.
    await seedBackoff(backoffRules.loginEmail, member.email, { failures: 12, blockedForSeconds: 600 });
    const throttleAgent = uniqueUserAgent("login-throttled");
    const throttled = await client.call("POST", "/v1/auth/login", {
      body: { email: member.email, password: member.password },
      userAgent: throttleAgent,
    });
    expect(throttled.status).toBe(429);
    expect(await eventOf(throttleAgent, "ratelimit.login")).toMatchObject({
      actor: { type: "anonymous", id: client.sourceIp },
      outcome: "blocked",
      target: { type: "user", id: member.userId },
      class: "short",
    });
  });

  it("password change, and a throttled current-password proof", async () => {
    const newPassword = strongPassword();
    secrets.push(newPassword);
    const changeAgent = uniqueUserAgent("password");
    const changed = await client.call("POST", "/v1/account/password", {
      token: member.token,
      body: { currentPassword: member.password, newPassword },
      userAgent: changeAgent,
    });
    expect(changed.status).toBe(200);
    member.password = newPassword;
    expect(await eventOf(changeAgent, "user.password.changed")).toMatchObject({
      actor: { type: "user", id: member.userId },
      target: { type: "user", id: member.userId },
    });

    await seedBackoff(backoffRules.passwordProofUser, member.userId, {
      failures: 12,
      blockedForSeconds: 600,
    });
    const proofAgent = uniqueUserAgent("password-throttled");
    const throttled = await client.call("POST", "/v1/account/password", {
      token: member.token,
      body: { currentPassword: member.password, newPassword: strongPassword() },
      userAgent: proofAgent,
    });
    expect(throttled.status).toBe(429);
    expect(await eventOf(proofAgent, "ratelimit.password.proof")).toMatchObject({
      actor: { type: "user", id: member.userId },
      outcome: "blocked",
    });
  });

  it("second factor enrolled, removed, and reset by an operator", async () => {
    const started = await client.call("POST", "/v1/account/mfa/totp", { token: member.token });
    expect(started.status).toBe(201);
    secrets.push(started.body.secret);
    const enrolAgent = uniqueUserAgent("mfa-enrol");
    const confirmed = await client.call("POST", "/v1/account/mfa/totp/confirm", {
      token: member.token,
      body: { code: totpCode(started.body.secret) },
      userAgent: enrolAgent,
    });
    expect(confirmed.status).toBe(200);
    secrets.push(...(confirmed.body.recoveryCodes as string[]));
    expect(await eventOf(enrolAgent, "mfa.enrolled")).toMatchObject({
      actor: { type: "user", id: member.userId },
      details: { method: "totp" },
    });

    const removeAgent = uniqueUserAgent("mfa-remove");
    const removed = await client.call("DELETE", "/v1/account/mfa/totp", {
      token: member.token,
      userAgent: removeAgent,
    });
    expect(removed.status, JSON.stringify(removed.body)).toBe(200);
    expect(await eventOf(removeAgent, "mfa.removed")).toMatchObject({ details: { method: "totp" } });

    const path = `/v1/admin/accounts/${account.accountId}/users/${member.userId}/reset-mfa`;
    const reset = await signedAdminRequest("POST", path, { body: { reason: "lost phone, ticket 13" } });
    expect(reset.status).toBe(200);
    const resets = (await auditTrail(client, account.ownerToken)).filter((e) => e.action === "mfa.reset");
    expect(resets).toHaveLength(1);
    expect(resets[0]).toMatchObject({
      actor: { type: "operator", id: expect.stringMatching(/^arn:/) },
      target: { type: "user", id: member.userId },
      sourceIp: expect.any(String),
      userAgent: expect.any(String),
      requestId: expect.any(String),
      details: { reason: "lost phone, ticket 13" },
    });
  });

  it("user role and status changes", async () => {
    const role = await asOwner("PATCH", `/v1/account/users/${member.userId}`, "role", { role: "billing" });
    expect(role.reply.status).toBe(200);
    expect(await eventOf(role.userAgent, "user.role.changed")).toMatchObject({
      actor: { type: "user", id: account.ownerId },
      target: { type: "user", id: member.userId },
      details: { from: "developer", to: "billing" },
    });
    const status = await asOwner("PATCH", `/v1/account/users/${member.userId}`, "disable", {
      status: "disabled",
    });
    expect(status.reply.status).toBe(200);
    expect(await eventOf(status.userAgent, "user.disabled")).toMatchObject({
      target: { type: "user", id: member.userId },
    });
  });

  it("API key created, rotated (one event, not three) and revoked", async () => {
    const created = await asOwner("POST", "/v1/account/api-keys", "key-create", {
      name: "audited",
      scopes: ["read"],
    });
    expect(created.reply.status).toBe(201);
    secrets.push(created.reply.body.key);
    const keyId = created.reply.body.keyId;
    expect(await eventOf(created.userAgent, "apikey.created")).toMatchObject({
      actor: { type: "user", id: account.ownerId },
      target: { type: "apiKey", id: keyId },
    });

    const rotated = await asOwner("POST", `/v1/account/api-keys/${keyId}/rotate`, "key-rotate");
    expect(rotated.reply.status).toBe(201);
    secrets.push(rotated.reply.body.key);
    expect(await eventOf(rotated.userAgent, "apikey.rotated")).toMatchObject({
      target: { type: "apiKey", id: keyId },
      details: { replacedBy: rotated.reply.body.keyId },
    });

    const revoked = await asOwner("DELETE", `/v1/account/api-keys/${rotated.reply.body.keyId}`, "key-revoke");
    expect(revoked.reply.status).toBe(204);
    expect(await eventOf(revoked.userAgent, "apikey.revoked")).toMatchObject({
      target: { type: "apiKey", id: rotated.reply.body.keyId },
    });
  });

  it("webhook endpoint created, updated, secret rotated and deleted", async () => {
    const created = await asOwner("POST", "/v1/account/webhooks", "webhook-create", {
      url: receiver.url,
      events: ["message.delivered"],
    });
    expect(created.reply.status, JSON.stringify(created.reply.body)).toBe(201);
    secrets.push(created.reply.body.secret);
    const id = created.reply.body.id;
    const path = `/v1/account/webhooks/${id}`;
    const target = { type: "webhook", id };
    expect(await eventOf(created.userAgent, "webhook.created")).toMatchObject({ target });
    const updated = await asOwner("PATCH", path, "webhook-update", { events: ["message.failed"] });
    expect(updated.reply.status).toBe(200);
    expect(await eventOf(updated.userAgent, "webhook.updated")).toMatchObject({ target });
    const rotated = await asOwner("POST", `${path}/rotate-secret`, "webhook-rotate");
    expect(rotated.reply.status).toBe(201);
    secrets.push(rotated.reply.body.secret);
    expect(await eventOf(rotated.userAgent, "webhook.secret.rotated")).toMatchObject({ target });
    const deleted = await asOwner("DELETE", path, "webhook-delete");
    expect(deleted.reply.status).toBe(204);
    expect(await eventOf(deleted.userAgent, "webhook.deleted")).toMatchObject({ target });
  });

  it("verification blocked by policy, the throttled 6th code, and a refused send; accepted sends write nothing", async () => {
    const key = await client.call("POST", "/v1/account/api-keys", {
      token: account.ownerToken,
      body: { name: "sender", scopes: ["send", "verify", "read"] },
    });
    expect(key.status).toBe(201);
    secrets.push(key.body.key);
    const asKey = { type: "apiKey", id: key.body.keyId };
    const withKey = (method: string, path: string, body: unknown, userAgent?: string) =>
      client.call(method, path, { token: key.body.key, body, ...(userAgent ? { userAgent } : {}) });

    const german = germanNumber();
    secrets.push(german);
    const blockedAgent = uniqueUserAgent("verify-country");
    const blocked = await withKey("POST", "/v1/verifications", { to: german, channel: "sms" }, blockedAgent);
    expect(blocked.status).toBe(403);
    expect(await eventOf(blockedAgent, "verify.blocked")).toMatchObject({
      actor: asKey,
      outcome: "blocked",
      class: "short",
      details: { reason: "country-not-allowed", country: "DE" },
    });

    const to = estonianNumber();
    secrets.push(to);
    for (let sent = 0; sent < 5; sent++) {
      expect((await withKey("POST", "/v1/verifications", { to, channel: "sms" })).status).toBe(201);
    }
    const throttleAgent = uniqueUserAgent("verify-throttled");
    const sixth = await withKey("POST", "/v1/verifications", { to, channel: "sms" }, throttleAgent);
    expect(sixth.status).toBe(429);
    expect(await eventOf(throttleAgent, "ratelimit.verify.send")).toMatchObject({
      actor: asKey,
      outcome: "blocked",
      class: "short",
    });

    const text = `audit body ${strongPassword()}`;
    secrets.push(text);
    const refusedAgent = uniqueUserAgent("send-refused");
    const refused = await withKey("POST", "/v1/messages", { to: german, text }, refusedAgent);
    expect(refused.status).toBe(422);
    expect(await eventOf(refusedAgent, "message.blocked")).toMatchObject({
      actor: asKey,
      outcome: "blocked",
      class: "short",
      details: { reason: "country-not-allowed", country: "DE" },
    });

    const acceptedAgent = uniqueUserAgent("send-accepted");
    const accepted = await withKey("POST", "/v1/messages", { to, text }, acceptedAgent);
    expect(accepted.status).toBe(202);
    const trail = await auditTrail(client, account.ownerToken);
    expect(trail.filter((event) => event.userAgent === acceptedAgent)).toEqual([]);
  });

  it("an overlong User-Agent is stored cut to 256 characters", async () => {
    const long = `${uniqueUserAgent("long")}${"x".repeat(1000)}`;
    const reply = await client.call("POST", "/v1/auth/login", {
      body: { email: account.ownerEmail, password: account.ownerPassword },
      userAgent: long,
    });
    expect(reply.status).toBe(200);
    secrets.push(reply.body.token, reply.body.refreshToken);
    const stored = (await auditTrail(client, account.ownerToken)).filter((event) =>
      long.startsWith(event.userAgent ?? "-"),
    );
    expect(stored.map((event) => [event.action, event.userAgent?.length])).toEqual([["auth.login", 256]]);
  });

  it("no event holds a password, token, key, secret, code, phone number or message text; emails only in invitation events", async () => {
    const trail = await auditTrail(client, account.ownerToken);
    expect(trail.length).toBeGreaterThan(20);
    const text = JSON.stringify(trail);
    for (const secret of secrets) expect(text).not.toContain(secret);
    const outsideInvitations = JSON.stringify(
      trail.filter((event) => !event.action.startsWith("invitation.")),
    );
    for (const email of emails) expect(outsideInvitations).not.toContain(email);
  });
});
