import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiClient, createUser } from "../identity/client.ts";
import { call, randomMobile } from "../messages/support.ts";
import { createWebhookAccount, type Receiver, startReceiver, type WebhookAccount } from "./support.ts";

/** A message's own callbackUrl gets its status events, signed with the account's signing secret. */
let account: WebhookAccount;
let hook: Receiver;
const client = apiClient();
const poll = { timeout: 30_000, interval: 200 };

beforeAll(async () => {
  account = await createWebhookAccount();
  hook = await startReceiver();
});
afterAll(async () => {
  await hook.stop();
});

async function newAccountSecret(): Promise<{ secret: string; previousValidUntil?: string }> {
  const reply = await client.call("POST", "/v1/account/webhooks/signing-secret", { token: account.token });
  expect(reply.status, JSON.stringify(reply.body)).toBe(201);
  return reply.body as { secret: string; previousValidUntil?: string };
}

async function smsWithCallback(callbackUrl: string) {
  return call("POST", "/v1/messages", {
    apiKey: account.apiKey,
    json: { to: randomMobile(), text: "callback test", callbackUrl },
  });
}

describe("message callbackUrl", () => {
  it("a delivered SMS yields exactly one message.delivered at its callbackUrl, signed with the account secret", async () => {
    const { secret } = await newAccountSecret();
    expect(secret).toMatch(/^whsec_/);
    const sent = await smsWithCallback(hook.url);
    expect(sent.status, JSON.stringify(sent.body)).toBe(202);
    const eventId = `message.delivered:${sent.body.id as string}`;
    await expect.poll(() => hook.forEvent(eventId).length, poll).toBeGreaterThan(0);
    const requests = hook.forEvent(eventId);
    expect(requests).toHaveLength(1);
    const [request] = requests;
    if (!request) throw new Error("no request");
    expect(hook.verifies(request, secret)).toBe(true);
    expect(hook.verifies(request, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")).toBe(false);
    expect(request.json).toMatchObject({
      type: "message.delivered",
      data: { id: sent.body.id, status: "delivered" },
    });
    expect(request.body).not.toContain("callback test");
  });

  it("after a rotation events are signed with the new secret and, for 24 h, the old one too", async () => {
    const { secret: before } = await newAccountSecret();
    const rotated = await newAccountSecret();
    expect(rotated.secret).not.toBe(before);
    expect(Date.parse(rotated.previousValidUntil ?? "") - Date.now()).toBeGreaterThan(23 * 3600 * 1000);
    const sent = await smsWithCallback(hook.url);
    expect(sent.status).toBe(202);
    const eventId = `message.delivered:${sent.body.id as string}`;
    await expect.poll(() => hook.forEvent(eventId).length, poll).toBeGreaterThan(0);
    const [request] = hook.forEvent(eventId);
    if (!request) throw new Error("no request");
    expect(hook.verifies(request, rotated.secret)).toBe(true);
    expect(hook.verifies(request, before)).toBe(true);
    const audit = await client.call("GET", "/v1/audit/events?action=webhook.account.secret.rotated", {
      token: account.token,
    });
    expect(audit.status).toBe(200);
    expect(JSON.stringify(audit.body)).toContain(rotated.previousValidUntil);
    expect(JSON.stringify(audit.body)).not.toContain(rotated.secret);
  });

  it("the account secret is created on first use, so the first rotation keeps one signing", async () => {
    const fresh = await createWebhookAccount();
    const sent = await call("POST", "/v1/messages", {
      apiKey: fresh.apiKey,
      json: { to: randomMobile(), text: "callback test", callbackUrl: hook.url },
    });
    expect(sent.status).toBe(202);
    const eventId = `message.delivered:${sent.body.id as string}`;
    await expect.poll(() => hook.forEvent(eventId).length, poll).toBeGreaterThan(0);
    const reply = await client.call("POST", "/v1/account/webhooks/signing-secret", { token: fresh.token });
    expect(reply.status).toBe(201);
    expect(reply.body.previousValidUntil).toEqual(expect.any(String));
  });

  it("only owners and admins make a new signing secret: a developer is refused", async () => {
    const developer = await createUser(client, account.token, "developer");
    const reply = await client.call("POST", "/v1/account/webhooks/signing-secret", {
      token: developer.token,
    });
    expect(reply.status).toBe(403);
  });

  it("refuses plain http callback URLs that are not loopback", async () => {
    const sent = await smsWithCallback("http://callbacks.example.com/sms");
    expect(sent.status).toBe(400);
    expect(JSON.stringify(sent.body)).toContain("callbackUrl");
  });
});
