import { randomBytes } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { useLocalPlatformEnv } from "../support/env.ts";
import { call, createTestAccount, randomMobile, storedMessagesOf, type TestAccount } from "./support.ts";

useLocalPlatformEnv();

let account: TestAccount;
beforeAll(async () => {
  account = await createTestAccount();
});

const newKey = () => `test-${randomBytes(8).toString("hex")}`;
const send = (json: unknown, key: string, apiKey = account.apiKey) =>
  call("POST", "/v1/messages", { apiKey, json, headers: { "idempotency-key": key } });

describe("Idempotency-Key on POST /v1/messages", () => {
  it("same key + same body → same response, one message", async () => {
    const key = newKey();
    const body = { to: randomMobile(), text: `once ${key}` };
    const first = await send(body, key);
    const second = await send(body, key);
    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    expect(second.body).toEqual(first.body);
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    const stored = (await storedMessagesOf(account.accountId)).filter((m) => m.id === first.body.id);
    expect(stored).toHaveLength(1);
    const all = await storedMessagesOf(account.accountId);
    expect(all.filter((m) => m.createdAt === stored[0]?.createdAt)).toHaveLength(1);
  });

  it("same key + same body with keys in another order and the default priority spelled out → replay", async () => {
    const key = newKey();
    const to = randomMobile();
    const first = await send({ to, text: "order" }, key);
    const second = await send({ priority: "normal", text: "order", to }, key);
    expect(second.status).toBe(202);
    expect(second.body.id).toBe(first.body.id);
  });

  it("same key + other body → 409 idempotency-key-reused", async () => {
    const key = newKey();
    const to = randomMobile();
    const first = await send({ to, text: "first" }, key);
    expect(first.status).toBe(202);
    const second = await send({ to, text: "second" }, key);
    expect(second.status).toBe(409);
    expect(second.body.type).toMatch(/idempotency-key-reused$/);
  });

  it("concurrent duplicates → one message; the others replay it or get 409 idempotency-in-progress", async () => {
    const key = newKey();
    const body = { to: randomMobile(), text: `race ${key}` };
    const replies = await Promise.all(Array.from({ length: 5 }, () => send(body, key)));
    const accepted = replies.filter((r) => r.status === 202);
    const inProgress = replies.filter((r) => r.status === 409);
    expect(accepted.length + inProgress.length).toBe(5);
    expect(new Set(accepted.map((r) => r.body.id)).size).toBe(1);
    for (const reply of inProgress) expect(reply.body.type).toMatch(/idempotency-in-progress$/);
    const texts = (await storedMessagesOf(account.accountId)).filter((m) => m.id === accepted[0]?.body.id);
    expect(texts).toHaveLength(1);
  });

  it("keys are scoped per account: the same key in two accounts makes two messages", async () => {
    const other = await createTestAccount();
    const key = newKey();
    const body = { to: randomMobile(), text: "scoped" };
    const mine = await send(body, key);
    const theirs = await send(body, key, other.apiKey);
    expect(mine.status).toBe(202);
    expect(theirs.status).toBe(202);
    expect(theirs.body.id).not.toBe(mine.body.id);
  });

  it("the IETF quoted form of a key is the same key as its bare content", async () => {
    const key = `${newKey()}-8e03`;
    const body = { to: randomMobile(), text: `quoted ${key}` };
    const quoted = await send(body, `"${key}"`);
    const bare = await send(body, key);
    expect(quoted.status).toBe(202);
    expect(bare.status).toBe(202);
    expect(bare.body.id).toBe(quoted.body.id);
    expect(bare.headers.get("idempotent-replayed")).toBe("true");
  });

  it("accepts a 255-character key of printable punctuation; refuses 256 characters and a bad escape", async () => {
    const longest = `${newKey()}#/+=`.padEnd(255, "k");
    expect((await send({ to: randomMobile(), text: "long key" }, longest)).status).toBe(202);
    const tooLong = await send({ to: randomMobile(), text: "too long" }, `${longest}k`);
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.errors).toEqual([expect.objectContaining({ field: "Idempotency-Key" })]);
    // (fetch itself refuses control characters in a header; the parser's unit test covers them.)
    const badEscape = await send({ to: randomMobile(), text: "bad escape" }, String.raw`"${newKey()}\n"`);
    expect(badEscape.status).toBe(400);
  });

  it("a rejected request keeps nothing: the key can be used again with a good body", async () => {
    const key = newKey();
    const bad = await send({ to: "+3720123", text: "x" }, key);
    expect(bad.status).toBe(400);
    const good = await send({ to: randomMobile(), text: "after a bad try" }, key);
    expect(good.status).toBe(202);
  });
});
