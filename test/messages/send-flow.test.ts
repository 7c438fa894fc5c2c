import { beforeAll, describe, expect, it } from "vitest";
import { useLocalPlatformEnv } from "../support/env.ts";
import {
  call,
  createTestAccount,
  outbox,
  randomMobile,
  storedMessagesOf,
  type TestAccount,
} from "./support.ts";

useLocalPlatformEnv();

let account: TestAccount;
beforeAll(async () => {
  account = await createTestAccount();
});

const waitForStatus = async (id: string, wanted: string) =>
  expect
    .poll(async () => (await call("GET", `/v1/messages/${id}`, { apiKey: account.apiKey })).body.status, {
      timeout: 15_000,
      interval: 100,
    })
    .toBe(wanted);

describe("POST /v1/messages → carrier → DLR", () => {
  it("accepts, sends through the simulator and reports delivered", async () => {
    const to = randomMobile();
    const text = `Hello from the send-flow test ${Date.now()}`;
    const sent = await call("POST", "/v1/messages", { apiKey: account.apiKey, json: { to, text } });
    expect(sent.status).toBe(202);
    expect(sent.body).toEqual({
      id: expect.stringMatching(/^msg_[0-9A-Z]{26}$/),
      status: "queued",
      segments: 1,
      encoding: "GSM-7",
      price: { amount: "0.0450", currency: "EUR" },
    });
    await waitForStatus(sent.body.id, "delivered");
    const read = await call("GET", `/v1/messages/${sent.body.id}`, { apiKey: account.apiKey });
    expect(read.body).toMatchObject({
      id: sent.body.id,
      to: `+********${to.slice(-3)}`,
      status: "delivered",
      carrier: "sim",
      segments: 1,
      timestamps: {
        createdAt: expect.any(String),
        sentAt: expect.any(String),
        deliveredAt: expect.any(String),
      },
    });
    expect(JSON.stringify(read.body)).not.toContain(to);
    const received = await outbox(to);
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ to, text, reference: sent.body.id });
  });

  it("stores the number and the text encrypted", async () => {
    const to = randomMobile();
    const text = `secret body ${Date.now()}`;
    const sent = await call("POST", "/v1/messages", { apiKey: account.apiKey, json: { to, text } });
    expect(sent.status).toBe(202);
    const [item] = (await storedMessagesOf(account.accountId)).filter((m) => m.id === sent.body.id);
    expect(item).toBeDefined();
    expect(JSON.stringify(item)).not.toContain(to);
    expect(JSON.stringify(item)).not.toContain(text);
    expect(item?.country).toBe("EE");
    expect(typeof item?.expiresAt).toBe("number");
  });

  it("reports undelivered for a number the carrier cannot reach (…0000)", async () => {
    const to = randomMobile("0000");
    const sent = await call("POST", "/v1/messages", { apiKey: account.apiKey, json: { to, text: "hi" } });
    expect(sent.status).toBe(202);
    await waitForStatus(sent.body.id, "undelivered");
    const read = await call("GET", `/v1/messages/${sent.body.id}`, { apiKey: account.apiKey });
    expect(read.body.error).toEqual({ code: "absent-subscriber", reason: expect.any(String) });
  });

  it("marks a message the carrier rejects (…0001) failed with the carrier's reason", async () => {
    const to = randomMobile("0001");
    const sent = await call("POST", "/v1/messages", { apiKey: account.apiKey, json: { to, text: "hi" } });
    await waitForStatus(sent.body.id, "failed");
    const read = await call("GET", `/v1/messages/${sent.body.id}`, { apiKey: account.apiKey });
    expect(read.body.error).toEqual({
      code: "invalid-destination",
      reason: "destination rejected by the carrier",
    });
    expect(read.body.timestamps.failedAt).toEqual(expect.any(String));
  });

  it("prices and counts a UCS-2 multi-part text", async () => {
    const sent = await call("POST", "/v1/messages", {
      apiKey: account.apiKey,
      json: { to: randomMobile(), text: "ж".repeat(71), priority: "low" },
    });
    expect(sent.status).toBe(202);
    expect(sent.body).toMatchObject({ segments: 2, encoding: "UCS-2", price: { amount: "0.0900" } });
  });
});

describe("GET /v1/messages/{id}", () => {
  it("answers 404 for another account's message", async () => {
    const other = await createTestAccount();
    const sent = await call("POST", "/v1/messages", {
      apiKey: other.apiKey,
      json: { to: randomMobile(), text: "theirs" },
    });
    expect(sent.status).toBe(202);
    const read = await call("GET", `/v1/messages/${sent.body.id}`, { apiKey: account.apiKey });
    expect(read.status).toBe(404);
    expect(read.headers.get("content-type")).toContain("application/problem+json");
  });

  it("answers 404 for an unknown id and 400 for a malformed one", async () => {
    const unknown = await call("GET", "/v1/messages/msg_01JAAAAAAAAAAAAAAAAAAAAAAA", {
      apiKey: account.apiKey,
    });
    expect(unknown.status).toBe(404);
    const malformed = await call("GET", "/v1/messages/not-an-id", { apiKey: account.apiKey });
    expect(malformed.status).toBe(400);
    expect(malformed.body.errors).toEqual([{ field: "id", message: expect.any(String) }]);
  });
});
