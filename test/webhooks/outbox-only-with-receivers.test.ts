import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StoredMessage } from "../../functions/messages/model.ts";
import { dynamoMessageStateStore } from "../../functions/messages/state-store.ts";
import { dynamoMessageRepository } from "../../functions/messages/store.ts";
import { newId } from "../../functions/shared/ids.ts";
import type { WebhookEventPublisher } from "../../functions/webhooks/publish.ts";
import { apiClient } from "../identity/client.ts";
import { createWebhookAccount, type Receiver, startReceiver, type WebhookAccount } from "./support.ts";

/**
 * A status change records its webhook event in the outbox (pending mark, enqueue, clear write) only
 * when someone would receive it: the message's callbackUrl or an enabled endpoint of its account
 * subscribed to that event type. Otherwise the status write is the only write. Observed with a
 * publisher that refuses every enqueue: a recorded event stays pending on the item.
 */
const client = apiClient();

let quiet: WebhookAccount;
let subscribedElsewhere: WebhookAccount;
let hook: Receiver;

beforeAll(async () => {
  [quiet, subscribedElsewhere, hook] = await Promise.all([
    createWebhookAccount(),
    createWebhookAccount(),
    startReceiver(),
  ]);
  // Subscribed, but to another event type than the one the test causes.
  const reply = await client.call("POST", "/v1/account/webhooks", {
    token: subscribedElsewhere.token,
    body: { url: hook.url, events: ["message.delivered"] },
  });
  expect(reply.status).toBe(201);
});
afterAll(() => hook?.stop());

async function queuedMessage(accountId: string, callbackUrl?: string): Promise<StoredMessage> {
  const now = new Date();
  const message: StoredMessage = {
    id: newId("msg"),
    accountId,
    status: "queued",
    priority: "normal",
    toCipher: "not-read-by-this-test",
    textCipher: "not-read-by-this-test",
    toMasked: "+********123",
    country: "EE",
    segments: 1,
    encoding: "GSM-7",
    price: { amount: "0.0500", currency: "EUR" },
    requireTls: false,
    createdAt: now.toISOString(),
    validUntil: new Date(now.getTime() + 3600_000).toISOString(),
    expiresAt: Math.floor(now.getTime() / 1000) + 24 * 3600,
    ...(callbackUrl ? { callbackUrl } : {}),
  };
  await dynamoMessageRepository().create(message);
  return message;
}

/** Fails a message through a store whose enqueues all fail; returns what stayed pending and the tries. */
async function failWithQueueDown(message: StoredMessage) {
  let enqueues = 0;
  const sqsDown: WebhookEventPublisher = {
    publish: async () => {
      enqueues++;
      throw new Error("SQS unavailable (injected)");
    },
  };
  const moved = await dynamoMessageStateStore(dynamoMessageRepository(), sqsDown).finish(
    message.id,
    "failed",
    { code: "test", reason: "injected" },
    new Date().toISOString(),
  );
  expect(moved).toBe(true);
  const stored = await dynamoMessageRepository().get(message.id);
  expect(stored?.status).toBe("failed");
  return { enqueues, pendingEvents: stored?.pendingEvents };
}

describe("webhook outbox only for events someone receives", () => {
  it("an account without endpoints: no pending mark and no enqueue", async () => {
    const outcome = await failWithQueueDown(await queuedMessage(quiet.accountId));
    expect(outcome).toEqual({ enqueues: 0, pendingEvents: undefined });
  });

  it("an endpoint subscribed to other event types only: no pending mark and no enqueue", async () => {
    const outcome = await failWithQueueDown(await queuedMessage(subscribedElsewhere.accountId));
    expect(outcome).toEqual({ enqueues: 0, pendingEvents: undefined });
  });

  it("a message with a callbackUrl records its event even when the account has no endpoint", async () => {
    const message = await queuedMessage(quiet.accountId, "https://receiver.example.com/callback");
    const outcome = await failWithQueueDown(message);
    expect(outcome).toEqual({ enqueues: 1, pendingEvents: ["message.failed"] });
  });
});
