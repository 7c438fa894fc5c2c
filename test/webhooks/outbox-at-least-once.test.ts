import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StoredMessage } from "../../functions/messages/model.ts";
import { dynamoMessageStateStore } from "../../functions/messages/state-store.ts";
import { dynamoMessageRepository } from "../../functions/messages/store.ts";
import { sqsClient } from "../../functions/shared/aws.ts";
import { queueUrl } from "../../functions/shared/config.ts";
import { newId } from "../../functions/shared/ids.ts";
import { dynamoVerificationStore } from "../../functions/verify/store.ts";
import { dynamoOutbox } from "../../functions/webhooks/outbox.ts";
import { type SweepResult, sweepOutbox } from "../../functions/webhooks/outbox-sweeper.ts";
import { sqsWebhookPublisher, type WebhookEventPublisher } from "../../functions/webhooks/publish.ts";
import { functionSpec } from "../../lib/catalog/index.ts";
import { invokeFunction } from "../../local/lambda-runtime.ts";
import { apiClient } from "../identity/client.ts";
import { call } from "../messages/support.ts";
import { useLocalPlatformEnv } from "../support/env.ts";
import { estonianMobile } from "../verify/support.ts";
import { createWebhookAccount, type Receiver, startReceiver, type WebhookAccount } from "./support.ts";

/**
 * At-least-once publishing through the outbox, against the emulators and the running sender: a
 * status change whose enqueue fails is published by the sweeper and delivered once; a pending
 * verification past its expiry yields one verification.expired. The sweeper runs as the catalogue
 * function (its grants enforced) with a clock moved FORWARD from today.
 */
const env = useLocalPlatformEnv();
const client = apiClient();
const poll = { timeout: 30_000, interval: 200 };

let account: WebhookAccount;
let hook: Receiver;
let webhookId: string;

beforeAll(async () => {
  [account, hook] = await Promise.all([createWebhookAccount(), startReceiver()]);
  const reply = await client.call("POST", "/v1/account/webhooks", {
    token: account.token,
    body: { url: hook.url, events: ["message.failed", "message.expired", "verification.expired"] },
  });
  expect(reply.status).toBe(201);
  webhookId = reply.body.id;
});
afterAll(() => hook?.stop());

/** One sweep as the webhook-outbox function would run it, at `now`. */
function sweepAt(now: Date): Promise<SweepResult> {
  const verifications = dynamoVerificationStore();
  const body = () =>
    sweepOutbox({
      clock: { now: () => now },
      outbox: dynamoOutbox(),
      publisher: sqsWebhookPublisher(),
      expireVerification: (id, nowSeconds, at) => verifications.expire(id, nowSeconds, at),
    });
  return invokeFunction(
    functionSpec("webhook-outbox"),
    {},
    {
      stage: env.TEXTGATE_STAGE ?? "local",
      loader: async () => body,
    },
  ) as Promise<SweepResult>;
}

/** A queued message of the test account, written directly: no dispatcher picks it up unless enqueued. */
async function queuedMessage(validForMs = 3600_000): Promise<StoredMessage> {
  const now = new Date();
  const message: StoredMessage = {
    id: newId("msg"),
    accountId: account.accountId,
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
    validUntil: new Date(now.getTime() + validForMs).toISOString(),
    expiresAt: Math.floor(now.getTime() / 1000) + 24 * 3600,
  };
  await dynamoMessageRepository().create(message);
  return message;
}

// biome-ignore lint/suspicious/noExplicitAny: JSON from the API under test
const deliveriesOf = async (eventId: string): Promise<any[]> => {
  const reply = await client.call("GET", `/v1/account/webhooks/${webhookId}/deliveries`, {
    token: account.token,
  });
  expect(reply.status).toBe(200);
  return reply.body.items.filter((item: { eventId: string }) => item.eventId === eventId);
};

describe("webhook outbox", () => {
  it("a status change whose enqueue failed is published by the sweeper and delivered once", async () => {
    const message = await queuedMessage();
    let refused = 0;
    const sqsDown: WebhookEventPublisher = {
      publish: async () => {
        refused++;
        throw new Error("SQS unavailable (injected)");
      },
    };
    const store = dynamoMessageStateStore(dynamoMessageRepository(), sqsDown);
    const moved = await store.finish(
      message.id,
      "failed",
      { code: "test", reason: "injected" },
      new Date().toISOString(),
    );
    // The status change stands although its event could not be enqueued; the event stays pending.
    expect(moved).toBe(true);
    expect(refused).toBe(1);
    const stored = await dynamoMessageRepository().get(message.id);
    expect(stored).toMatchObject({ status: "failed", pendingEvents: ["message.failed"] });

    const swept = await sweepAt(new Date(Date.now() + 2 * 60_000));
    expect(swept.failed).toBe(0);
    const eventId = `message.failed:${message.id}`;
    await expect.poll(() => hook.forEvent(eventId).length, poll).toBe(1);
    await expect.poll(async () => (await deliveriesOf(eventId)).length, poll).toBe(1);
    expect((await dynamoMessageRepository().get(message.id))?.pendingEvents).toBeUndefined();
    const [request] = hook.forEvent(eventId);
    expect(request?.json).toMatchObject({
      type: "message.failed",
      data: { id: message.id, status: "failed" },
    });

    // A second publish of the same event (what a sweep racing the publisher does) is dropped by
    // the sender's fan-out: a later event of the same receiver arrives, the duplicate never does.
    await sqsWebhookPublisher().publish(account.accountId, request?.json);
    const later = await queuedMessage();
    await dynamoMessageStateStore().finish(
      later.id,
      "failed",
      { code: "test", reason: "later" },
      new Date().toISOString(),
    );
    await expect.poll(() => hook.forEvent(`message.failed:${later.id}`).length, poll).toBe(1);
    await expect.poll(async () => (await deliveriesOf(eventId)).length, poll).toBe(1);
    expect(hook.forEvent(eventId)).toHaveLength(1);
  });

  it("a message whose validity passed before dispatch is published as message.expired", async () => {
    const message = await queuedMessage(-1000);
    // The running dispatcher picks it up and finds its validity over.
    await sqsClient().send(
      new SendMessageCommand({
        QueueUrl: queueUrl("sms-transactional"),
        MessageBody: JSON.stringify({ v: 1, messageId: message.id }),
      }),
    );
    const eventId = `message.expired:${message.id}`;
    await expect.poll(() => hook.forEvent(eventId).length, poll).toBe(1);
    expect(hook.forEvent(eventId)[0]?.json).toMatchObject({
      type: "message.expired",
      data: { id: message.id, status: "expired", error: { code: "validity-expired" } },
    });
    expect((await dynamoMessageRepository().get(message.id))?.pendingEvents).toBeUndefined();
  });

  it("a verification left pending past its expiry yields exactly one verification.expired", async () => {
    const started = await call("POST", "/v1/verifications", {
      apiKey: account.apiKey,
      json: { to: estonianMobile(), channel: "sms" },
    });
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    const id: string = started.body.id;
    const expiry = new Date(started.body.expiresAt);
    expect(expiry.getTime()).toBeGreaterThan(Date.now());

    // Before its expiry nothing happens to it.
    await sweepAt(new Date(expiry.getTime() - 1000));
    const eventId = `verification.expired:${id}`;
    expect(await dynamoVerificationStore().get(id, 0)).toMatchObject({ status: "pending" });

    const first = await sweepAt(new Date(expiry.getTime() + 1000));
    expect(first.expired).toBeGreaterThanOrEqual(1);
    expect(await dynamoVerificationStore().get(id, 0)).toMatchObject({ status: "expired" });
    await expect.poll(() => hook.forEvent(eventId).length, poll).toBe(1);
    const [request] = hook.forEvent(eventId);
    expect(request?.json).toMatchObject({ type: "verification.expired", data: { id, status: "expired" } });

    // Later sweeps find nothing left to expire or publish for it.
    await sweepAt(new Date(expiry.getTime() + 5 * 60_000));
    const later = new Date(expiry.getTime() + 10 * 60_000);
    expect(
      await dynamoVerificationStore().expire(id, Math.floor(later.getTime() / 1000), later.toISOString()),
    ).toBe("conflict");
    await expect.poll(async () => (await deliveriesOf(eventId)).length, poll).toBe(1);
    expect(hook.forEvent(eventId)).toHaveLength(1);
  });
});
