import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiClient } from "../identity/client.ts";
import { call } from "../messages/support.ts";
import { codeFromOutbox } from "../verify/http.ts";
import { estonianMobile } from "../verify/support.ts";
import { createWebhookAccount, type Receiver, startReceiver, type WebhookAccount } from "./support.ts";

let account: WebhookAccount;
let hook: Receiver;
let secret: string;
const client = apiClient();
const poll = { timeout: 30_000, interval: 200 };

beforeAll(async () => {
  [account, hook] = await Promise.all([createWebhookAccount(), startReceiver()]);
  const reply = await client.call("POST", "/v1/account/webhooks", {
    token: account.token,
    body: { url: hook.url, events: ["verification.approved", "verification.failed"] },
  });
  expect(reply.status).toBe(201);
  secret = reply.body.secret;
});
afterAll(() => hook?.stop());

async function startVerification(to: string): Promise<string> {
  const started = await call("POST", "/v1/verifications", {
    apiKey: account.apiKey,
    json: { to, channel: "sms" },
  });
  expect(started.status, JSON.stringify(started.body)).toBe(201);
  return started.body.id as string;
}

const check = (id: string, code: string) =>
  call("POST", `/v1/verifications/${id}/checks`, { apiKey: account.apiKey, json: { code } });

describe("verification webhooks", () => {
  it("an approved verification is pushed once, signed, with a masked number and no code", async () => {
    const to = estonianMobile();
    const id = await startVerification(to);
    const code = await codeFromOutbox(to);
    expect((await check(id, code)).status).toBe(200);
    const eventId = `verification.approved:${id}`;
    await expect.poll(() => hook.forEvent(eventId).length, poll).toBe(1);
    const [request] = hook.forEvent(eventId);
    if (!request) throw new Error("no request");
    expect(hook.verifies(request, secret)).toBe(true);
    expect(request.json).toMatchObject({ type: "verification.approved", data: { id, status: "approved" } });
    expect(request.json.data.to).not.toContain(to.slice(4, -3));
    expect(request.body).not.toContain(code);
  });

  it("a verification that runs out of check attempts is pushed as verification.failed", async () => {
    const to = estonianMobile();
    const id = await startVerification(to);
    const code = await codeFromOutbox(to);
    const wrong = code === "000000" ? "111111" : "000000";
    let last = await check(id, wrong);
    while (last.body.verificationStatus === "pending") last = await check(id, wrong);
    expect(last.body.verificationStatus).toBe("failed");
    await expect.poll(() => hook.forEvent(`verification.failed:${id}`).length, poll).toBe(1);
    expect(hook.forEvent(`verification.approved:${id}`)).toEqual([]);
  });
});
