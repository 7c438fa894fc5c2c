import { beforeAll, describe, expect, it } from "vitest";
import { useLocalPlatformEnv } from "../support/env.ts";
import { call, createTestAccount, randomMobile, storedMessagesOf, type TestAccount } from "./support.ts";

useLocalPlatformEnv();

/** Every bad request must be a 4xx problem naming the field, and must store nothing. */
let account: TestAccount;
beforeAll(async () => {
  account = await createTestAccount();
});

const expectProblem = (reply: { status: number; headers: Headers }, status: number) => {
  expect(reply.status).toBe(status);
  expect(reply.headers.get("content-type")).toContain("application/problem+json");
};

const fieldsOf = (body: { errors?: { field: string }[] }): string[] =>
  (body.errors ?? []).map((e) => e.field);

describe("POST /v1/messages rejects bad input", () => {
  it.each([
    ["unknown field", { to: "+37256123456", text: "hi", colour: "red" }, "colour"],
    ["bad phone", { to: "+3720123", text: "hi" }, "to"],
    ["phone without +", { to: "37256123456", text: "hi" }, "to"],
    ["fixed-line number", { to: "+3726123456", text: "hi" }, "to"],
    ["empty text", { to: "+37256123456", text: "" }, "text"],
    ["blank text", { to: "+37256123456", text: "   " }, "text"],
    ["11-segment text", { to: "+37256123456", text: "a".repeat(1531) }, "text"],
    ["text over 1600 characters", { to: "+37256123456", text: "a".repeat(1601) }, "text"],
    ["text with a lone high surrogate", { to: "+37256123456", text: "pay \ud800 now" }, "text"],
    ["text that is only a lone low surrogate", { to: "+37256123456", text: "\udc00" }, "text"],
    ["text with a surrogate pair reversed", { to: "+37256123456", text: "\ude00\ud83d" }, "text"],
    ["missing to", { text: "hi" }, "to"],
    [
      "http callback",
      { to: "+37256123456", text: "hi", callbackUrl: "http://example.com/cb" },
      "callbackUrl",
    ],
    ["bad sender id", { to: "+37256123456", text: "hi", from: "TwelveChars1" }, "from"],
    ["numeric-only sender id", { to: "+37256123456", text: "hi", from: "12345" }, "from"],
    ["bad priority", { to: "+37256123456", text: "hi", priority: "urgent" }, "priority"],
    ["validity too short", { to: "+37256123456", text: "hi", validitySeconds: 59 }, "validitySeconds"],
    ["validity too long", { to: "+37256123456", text: "hi", validitySeconds: 259_201 }, "validitySeconds"],
  ])("%s → 400 naming the field", async (_name, json, field) => {
    const reply = await call("POST", "/v1/messages", { apiKey: account.apiKey, json });
    expectProblem(reply, 400);
    expect(fieldsOf(reply.body)).toContain(field);
  });

  it("a valid surrogate pair (an emoji) is still accepted: only lone surrogates are refused", async () => {
    const fresh = await createTestAccount();
    const reply = await call("POST", "/v1/messages", {
      apiKey: fresh.apiKey,
      json: { to: randomMobile(), text: "paid \ud83d\ude00" },
    });
    expect(reply.status).toBe(202);
    expect(reply.body.encoding).toBe("UCS-2");
  });

  it("malformed JSON → 400", async () => {
    const reply = await call("POST", "/v1/messages", { apiKey: account.apiKey, raw: '{"to": "+372' });
    expectProblem(reply, 400);
    expect(reply.body.type).toContain("malformed-json");
  });

  it("wrong content type → 415", async () => {
    const reply = await call("POST", "/v1/messages", {
      apiKey: account.apiKey,
      raw: "to=%2B37256123456&text=hi",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expectProblem(reply, 415);
  });

  it("body over 64 KB → 413", async () => {
    const reply = await call("POST", "/v1/messages", {
      apiKey: account.apiKey,
      json: { to: "+37256123456", text: "a".repeat(70_000) },
    });
    expectProblem(reply, 413);
  });

  it("scheduleAt more than 15 minutes ahead → 422 naming scheduleAt", async () => {
    const scheduleAt = new Date(Date.now() + 16 * 60_000).toISOString();
    const reply = await call("POST", "/v1/messages", {
      apiKey: account.apiKey,
      json: { to: randomMobile(), text: "later", scheduleAt },
    });
    expectProblem(reply, 422);
    expect(reply.body.detail).toBe("scheduleAt more than 15 minutes ahead is not supported yet");
    expect(fieldsOf(reply.body)).toEqual(["scheduleAt"]);
  });

  it("a destination country the account has not enabled → 422 naming to", async () => {
    const reply = await call("POST", "/v1/messages", {
      apiKey: account.apiKey,
      json: { to: "+12015550123", text: "hi" },
    });
    expectProblem(reply, 422);
    expect(fieldsOf(reply.body)).toEqual(["to"]);
  });

  it("lists every bad field at once", async () => {
    const reply = await call("POST", "/v1/messages", {
      apiKey: account.apiKey,
      json: { to: "nope", text: "", extra: 1 },
    });
    expectProblem(reply, 400);
    expect(fieldsOf(reply.body).sort()).toEqual(["extra", "text", "to"]);
  });

  it("stored nothing for any rejected request", async () => {
    expect(await storedMessagesOf(account.accountId)).toEqual([]);
  });
});

describe("POST /v1/messages scheduling", () => {
  it("stores a message scheduled within 15 minutes as scheduled", async () => {
    const fresh = await createTestAccount();
    const scheduleAt = new Date(Date.now() + 5 * 60_000).toISOString();
    const reply = await call("POST", "/v1/messages", {
      apiKey: fresh.apiKey,
      json: { to: randomMobile(), text: "later", scheduleAt },
    });
    expect(reply.status).toBe(202);
    expect(reply.body.status).toBe("scheduled");
    const read = await call("GET", `/v1/messages/${reply.body.id}`, { apiKey: fresh.apiKey });
    expect(read.body.status).toBe("scheduled");
    expect(Date.parse(read.body.timestamps.scheduledAt)).toBeGreaterThanOrEqual(
      Date.parse(scheduleAt) - 1000,
    );
  });

  it("sends a scheduled message when its time comes, not before", async () => {
    const fresh = await createTestAccount();
    const scheduleAt = new Date(Date.now() + 3000);
    const reply = await call("POST", "/v1/messages", {
      apiKey: fresh.apiKey,
      json: { to: randomMobile(), text: "soon", scheduleAt: scheduleAt.toISOString() },
    });
    expect(reply.body.status).toBe("scheduled");
    await expect
      .poll(
        async () =>
          (await call("GET", `/v1/messages/${reply.body.id}`, { apiKey: fresh.apiKey })).body.status,
        {
          timeout: 15_000,
          interval: 200,
        },
      )
      .toBe("delivered");
    const read = await call("GET", `/v1/messages/${reply.body.id}`, { apiKey: fresh.apiKey });
    expect(Date.parse(read.body.timestamps.sentAt)).toBeGreaterThanOrEqual(scheduleAt.getTime() - 1000);
  });
});
