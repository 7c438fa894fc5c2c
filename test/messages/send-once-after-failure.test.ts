/**
 * One Idempotency-Key, one SMS — whatever failed after the message was written. The first request
 * runs in this worker with an injected fault and a clock an hour back (far past any in-progress
 * window); the retry goes through the platform's public API; the carrier simulator counts what it got.
 */
import { randomBytes } from "node:crypto";
import { beforeEach, describe, expect, it } from "vitest";
import type { MessageQueue } from "../../functions/messages/model.ts";
import { acceptMessageOnce } from "../../functions/messages/send-once.ts";
import { type AcceptMessageInput, defaultMessagingDeps } from "../../functions/messages/service.ts";
import { DomainError } from "../../functions/shared/problem.ts";
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

const newKey = () => `once-${randomBytes(8).toString("hex")}`;
const anHourAgo = { now: () => new Date(Date.now() - 3600_000) };
/** The function died (or its enqueue failed) right after the message write. */
const dyingQueue: MessageQueue = {
  enqueue: async () => {
    throw new Error("injected: function died after the message write");
  },
};

/** A fresh account per test: every message stored for it belongs to that test. */
let account: TestAccount;
beforeEach(async () => {
  account = await createTestAccount();
});

const retry = (json: { to: string; text: string }, key: string) =>
  call("POST", "/v1/messages", { apiKey: account.apiKey, json, headers: { "idempotency-key": key } });

const waitForStatus = (id: string, wanted: string) =>
  expect
    .poll(async () => (await call("GET", `/v1/messages/${id}`, { apiKey: account.apiKey })).body.status, {
      timeout: 15_000,
      interval: 100,
    })
    .toBe(wanted);

/** What the send handler builds from {to, text}: the same request for the key's hash. */
const inputOf = (json: { to: string; text: string }): AcceptMessageInput => ({
  accountId: account.accountId,
  to: json.to,
  text: json.text,
  priority: "normal",
});

const storedIds = async () => (await storedMessagesOf(account.accountId)).map((item) => item.id);

describe("an Idempotency-Key binds to its message in the same write", () => {
  it("dies after the message write, before queueing: a retry an hour later sends that message once", async () => {
    const key = newKey();
    const json = { to: randomMobile(), text: "pay 100 EUR once" };
    const failed = await acceptMessageOnce(inputOf(json), key, {
      ...defaultMessagingDeps(),
      queue: dyingQueue,
      clock: anHourAgo,
    }).catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(DomainError);
    expect((failed as DomainError).slug).toBe("service-unavailable");
    const [stored, ...others] = await storedMessagesOf(account.accountId);
    expect(others).toEqual([]);
    expect(stored?.status).toBe("queued");

    const retried = await retry(json, key);
    expect(retried.status).toBe(202);
    expect(retried.body.id).toBe(stored?.id);
    expect(retried.headers.get("idempotent-replayed")).toBe("true");
    await waitForStatus(retried.body.id, "delivered");

    const again = await retry(json, key);
    expect(again.body.id).toBe(retried.body.id);
    expect((await outbox(json.to)).map((entry) => entry.reference)).toEqual([retried.body.id]);
    expect(await storedIds()).toEqual([retried.body.id]);
  });

  it("the response is lost after the message was stored and queued: the retry replays, one submission", async () => {
    const key = newKey();
    const json = { to: randomMobile(), text: "pay 200 EUR once" };
    const lost = await acceptMessageOnce(inputOf(json), key, { ...defaultMessagingDeps(), clock: anHourAgo });

    const retried = await retry(json, key);
    expect(retried.status).toBe(202);
    expect(retried.body).toEqual(lost.result);
    await waitForStatus(lost.result.id, "delivered");
    expect((await outbox(json.to)).map((entry) => entry.reference)).toEqual([lost.result.id]);
    expect(await storedIds()).toEqual([lost.result.id]);
  });

  it("after such a failure, the same key with another body is still refused (409)", async () => {
    const key = newKey();
    const json = { to: randomMobile(), text: "first body" };
    await acceptMessageOnce(inputOf(json), key, { ...defaultMessagingDeps(), queue: dyingQueue }).catch(
      () => undefined,
    );
    const other = await retry({ ...json, text: "second body" }, key);
    expect(other.status).toBe(409);
    expect(other.body.type).toMatch(/idempotency-key-reused$/);
    expect(await storedIds()).toHaveLength(1);
  });
});
