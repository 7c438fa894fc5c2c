import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiClient, createUser } from "../identity/client.ts";
import { call, randomMobile } from "../messages/support.ts";
import { mailTo } from "../support/mail.ts";
import { createWebhookAccount, type Receiver, startReceiver, type WebhookAccount } from "./support.ts";

let account: WebhookAccount;
const receivers: Receiver[] = [];
const client = apiClient();

beforeAll(async () => {
  account = await createWebhookAccount();
});
afterAll(async () => {
  await Promise.all(receivers.map((receiver) => receiver.stop()));
});

async function receiver(respond?: (n: number) => number): Promise<Receiver> {
  const started = await startReceiver(respond);
  receivers.push(started);
  return started;
}

async function register(url: string, events: string[] = ["message.delivered"]) {
  const reply = await client.call("POST", "/v1/account/webhooks", {
    token: account.token,
    body: { url, events, description: "test receiver" },
  });
  expect(reply.status, JSON.stringify(reply.body)).toBe(201);
  return reply.body as { id: string; secret: string; status: string };
}

async function deliveredSms(): Promise<string> {
  const sent = await call("POST", "/v1/messages", {
    apiKey: account.apiKey,
    json: { to: randomMobile(), text: "webhook test" },
  });
  expect(sent.status).toBe(202);
  return sent.body.id as string;
}

// biome-ignore lint/suspicious/noExplicitAny: JSON from the API under test
const deliveries = async (webhookId: string): Promise<any[]> => {
  const reply = await client.call("GET", `/v1/account/webhooks/${webhookId}/deliveries`, {
    token: account.token,
  });
  expect(reply.status).toBe(200);
  return reply.body.items;
};

const poll = { timeout: 30_000, interval: 200 };

describe("customer webhooks", () => {
  it("a delivered SMS yields exactly one acknowledged, verifiable message.delivered", async () => {
    const hook = await receiver();
    const webhook = await register(hook.url);
    expect(webhook.secret).toMatch(/^whsec_/);
    const messageId = await deliveredSms();
    const eventId = `message.delivered:${messageId}`;
    await expect
      .poll(async () => (await deliveries(webhook.id)).filter((d) => d.eventId === eventId), poll)
      .toHaveLength(1);
    const [attempt] = (await deliveries(webhook.id)).filter((d) => d.eventId === eventId);
    expect(attempt).toMatchObject({
      type: "message.delivered",
      attempt: 1,
      outcome: "delivered",
      statusCode: 204,
    });
    const requests = hook.forEvent(eventId);
    expect(requests).toHaveLength(1);
    const [request] = requests;
    if (!request) throw new Error("no request");
    expect(hook.verifies(request, webhook.secret)).toBe(true);
    expect(hook.verifies(request, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")).toBe(false);
    expect(request.json).toMatchObject({
      type: "message.delivered",
      data: { id: messageId, status: "delivered" },
    });
    // Masked number only, and never the text.
    expect(request.json.data.to).toMatch(/^\+\*+\d{3}$/);
    expect(request.body).not.toContain("webhook test");
  });

  it("a receiver that fails first is retried and acknowledged once, with the same webhook-id", async () => {
    const hook = await receiver((n) => (n === 0 ? 503 : 200));
    const webhook = await register(hook.url);
    const messageId = await deliveredSms();
    const eventId = `message.delivered:${messageId}`;
    await expect
      .poll(
        async () => (await deliveries(webhook.id)).map((d) => `${d.attempt}:${d.outcome}:${d.statusCode}`),
        poll,
      )
      .toEqual(["2:delivered:200", "1:retrying:503"]);
    const requests = hook.forEvent(eventId);
    expect(requests).toHaveLength(2);
    for (const request of requests) expect(hook.verifies(request, webhook.secret)).toBe(true);
  });

  it("410 Gone disables the endpoint and nothing more is sent to it", async () => {
    const hook = await receiver(() => 410);
    const webhook = await register(hook.url);
    await deliveredSms();
    await expect
      .poll(
        async () =>
          (await client.call("GET", `/v1/account/webhooks/${webhook.id}`, { token: account.token })).body,
        poll,
      )
      .toMatchObject({ status: "disabled", disabledReason: "gone" });
    expect((await deliveries(webhook.id)).map((d) => d.outcome)).toEqual(["gone"]);
    const audit = await client.call("GET", "/v1/audit/events?action=webhook.disabled", {
      token: account.token,
    });
    expect(audit.status).toBe(200);
    expect(JSON.stringify(audit.body)).toContain(webhook.id);
    await expect
      .poll(async () => (await mailTo(account.ownerEmail)).map((mail) => mail.text).join("\n"), poll)
      .toContain(`Webhook ${webhook.id}`);
  });

  it("replay sends the same event again, signed, and records a new attempt", async () => {
    const hook = await receiver();
    const webhook = await register(hook.url);
    const messageId = await deliveredSms();
    const eventId = `message.delivered:${messageId}`;
    await expect.poll(async () => (await deliveries(webhook.id)).length, poll).toBe(1);
    const [first] = await deliveries(webhook.id);
    const replay = await client.call(
      "POST",
      `/v1/account/webhooks/${webhook.id}/deliveries/${first.id}/replay`,
      {
        token: account.token,
      },
    );
    expect(replay.status, JSON.stringify(replay.body)).toBe(202);
    expect(replay.body).toEqual({ eventId, status: "queued" });
    await expect.poll(() => hook.forEvent(eventId).length, poll).toBe(2);
    const [original, again] = hook.forEvent(eventId);
    if (!original || !again) throw new Error("missing requests");
    expect(hook.verifies(again, webhook.secret)).toBe(true);
    expect(again.body).toBe(original.body);
  });

  it("after a secret rotation both the new and the old secret verify", async () => {
    const hook = await receiver();
    const webhook = await register(hook.url);
    const rotated = await client.call("POST", `/v1/account/webhooks/${webhook.id}/rotate-secret`, {
      token: account.token,
    });
    expect(rotated.status).toBe(201);
    expect(rotated.body.secret).not.toBe(webhook.secret);
    const messageId = await deliveredSms();
    await expect.poll(() => hook.forEvent(`message.delivered:${messageId}`).length, poll).toBe(1);
    const [request] = hook.forEvent(`message.delivered:${messageId}`);
    if (!request) throw new Error("no request");
    expect(hook.verifies(request, rotated.body.secret)).toBe(true);
    expect(hook.verifies(request, webhook.secret)).toBe(true);
  });

  it.each([
    ["a private address", "http://10.1.2.3/hook"],
    ["the metadata address", "http://169.254.169.254/latest/meta-data/"],
    ["an IPv4-mapped metadata address", "http://[::ffff:169.254.169.254]/"],
    ["a non-http scheme", "ftp://example.com/hook"],
  ])("refuses %s with a 422 problem naming url", async (_, url) => {
    const reply = await client.call("POST", "/v1/account/webhooks", {
      token: account.token,
      body: { url, events: ["message.delivered"] },
    });
    expect(reply.status).toBe(422);
    expect(reply.headers["content-type"]).toContain("application/problem+json");
    expect(reply.body.errors).toEqual([expect.objectContaining({ field: "url" })]);
  });
});

describe("managing webhooks", () => {
  it("PATCH changes events and enabled, list and get show it, DELETE removes it", async () => {
    const hook = await receiver();
    const webhook = await register(hook.url);
    const patched = await client.call("PATCH", `/v1/account/webhooks/${webhook.id}`, {
      token: account.token,
      body: { events: ["message.failed", "verification.approved"], enabled: false },
    });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    expect(patched.body).toMatchObject({
      events: ["message.failed", "verification.approved"],
      status: "disabled",
      disabledReason: "by-user",
    });
    expect(patched.body.secret).toBeUndefined();
    const refused = await client.call("PATCH", `/v1/account/webhooks/${webhook.id}`, {
      token: account.token,
      body: { url: "http://192.168.0.1/hook" },
    });
    expect(refused.status).toBe(422);
    const list = await client.call("GET", "/v1/account/webhooks", { token: account.token });
    expect(list.body.items.map((item: { id: string }) => item.id)).toContain(webhook.id);
    expect(JSON.stringify(list.body)).not.toContain("whsec_");
    const removed = await client.call("DELETE", `/v1/account/webhooks/${webhook.id}`, {
      token: account.token,
    });
    expect(removed.status).toBe(204);
    const gone = await client.call("GET", `/v1/account/webhooks/${webhook.id}`, { token: account.token });
    expect(gone.status).toBe(404);
  });

  it("every change is audited with the acting user", async () => {
    const hook = await receiver();
    const webhook = await register(hook.url);
    await client.call("PATCH", `/v1/account/webhooks/${webhook.id}`, {
      token: account.token,
      body: { enabled: false },
    });
    await client.call("POST", `/v1/account/webhooks/${webhook.id}/rotate-secret`, { token: account.token });
    await client.call("DELETE", `/v1/account/webhooks/${webhook.id}`, { token: account.token });
    const audit = await client.call("GET", "/v1/audit/events", { token: account.token });
    expect(audit.status).toBe(200);
    const actions = (audit.body.events as { action: string; target?: { id: string } }[])
      .filter((event) => event.target?.id === webhook.id)
      .map((event) => event.action)
      .sort();
    expect(actions).toEqual([
      "webhook.created",
      "webhook.deleted",
      "webhook.secret.rotated",
      "webhook.updated",
    ]);
    expect(JSON.stringify(audit.body)).not.toContain("whsec_");
  });

  it("only owners and admins manage webhooks: a developer is refused", async () => {
    const developer = await createUser(client, account.token, "developer");
    const reply = await client.call("POST", "/v1/account/webhooks", {
      token: developer.token,
      body: { url: "http://127.0.0.1:9/hook", events: ["message.sent"] },
    });
    expect(reply.status).toBe(403);
    const admin = await createUser(client, account.token, "admin");
    const listed = await client.call("GET", "/v1/account/webhooks", { token: admin.token });
    expect(listed.status).toBe(200);
  });

  it("an API key cannot manage webhooks", async () => {
    const reply = await call("GET", "/v1/account/webhooks", { apiKey: account.apiKey });
    expect(reply.status).toBe(403);
  });
});
