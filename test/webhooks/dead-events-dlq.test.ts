import {
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type Message as SqsMessage,
} from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sqsClient } from "../../functions/shared/aws.ts";
import { queueUrl } from "../../functions/shared/config.ts";
import { newId } from "../../functions/shared/ids.ts";
import { type DeliveryResult, deliver, MAX_ATTEMPTS } from "../../functions/webhooks/delivery.ts";
import { dynamoEventPayloads } from "../../functions/webhooks/dynamo-history.ts";
import {
  type DeliveryRecord,
  deliveryRecord,
  type WebhookEventPayload,
} from "../../functions/webhooks/schemas.ts";
import { webhookDeps } from "../../functions/webhooks/wiring.ts";
import { functionSpec } from "../../lib/catalog/index.ts";
import { invokeFunction } from "../../local/lambda-runtime.ts";
import { apiClient } from "../identity/client.ts";
import { useLocalPlatformEnv } from "../support/env.ts";
import { createWebhookAccount, type Receiver, startReceiver, type WebhookAccount } from "./support.ts";

/**
 * Dead events: after the last scheduled attempt fails, the delivery is moved to the webhooks DLQ
 * (alarmed, redriven by an operator) and the history says dead; a redriven record is tried once
 * more and recorded. The retry schedule is fast-forwarded by starting at the last attempt; that
 * attempt runs as the catalogue's webhook-sender (its grants enforced) against the emulators.
 */
const env = useLocalPlatformEnv();
const client = apiClient();
const poll = { timeout: 30_000, interval: 200 };

let account: WebhookAccount;
let hook: Receiver;
let healthy = false;
let webhookId: string;

beforeAll(async () => {
  [account, hook] = await Promise.all([createWebhookAccount(), startReceiver(() => (healthy ? 204 : 503))]);
  const reply = await client.call("POST", "/v1/account/webhooks", {
    token: account.token,
    body: { url: hook.url, events: ["message.failed"] },
  });
  expect(reply.status).toBe(201);
  webhookId = reply.body.id;
});
afterAll(() => hook?.stop());

function payloadFor(messageId: string): WebhookEventPayload {
  const now = new Date().toISOString();
  return {
    type: "message.failed",
    timestamp: now,
    data: {
      id: messageId,
      to: "+********123",
      country: "EE",
      status: "failed",
      priority: "normal",
      segments: 1,
      encoding: "GSM-7",
      price: { amount: "0.0500", currency: "EUR" },
      timestamps: { createdAt: now },
    },
  };
}

/** One attempt as the webhook-sender function runs it. */
const attemptAsSender = (record: DeliveryRecord): Promise<DeliveryResult> =>
  invokeFunction(
    functionSpec("webhook-sender"),
    {},
    {
      stage: env.TEXTGATE_STAGE ?? "local",
      loader: async () => () => deliver(record, webhookDeps()),
    },
  ) as Promise<DeliveryResult>;

/** Takes this event's record out of the webhooks DLQ (others' records are left for their tests). */
async function takeFromDlq(eventId: string): Promise<DeliveryRecord | undefined> {
  const { Messages = [] } = await sqsClient().send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl("webhooks-dlq"),
      MaxNumberOfMessages: 10,
      VisibilityTimeout: 1,
    }),
  );
  const ours = Messages.find((m: SqsMessage) => m.Body?.includes(`"eventId":"${eventId}"`));
  if (!ours?.Body) return undefined;
  await sqsClient().send(
    new DeleteMessageCommand({ QueueUrl: queueUrl("webhooks-dlq"), ReceiptHandle: ours.ReceiptHandle }),
  );
  return deliveryRecord.parse(JSON.parse(ours.Body));
}

// biome-ignore lint/suspicious/noExplicitAny: JSON from the API under test
const history = async (eventId: string): Promise<any[]> => {
  const reply = await client.call("GET", `/v1/account/webhooks/${webhookId}/deliveries`, {
    token: account.token,
  });
  expect(reply.status).toBe(200);
  return reply.body.items.filter((item: { eventId: string }) => item.eventId === eventId);
};

describe("dead webhook events", () => {
  it("an endpoint failing the last attempt: DLQ and history say dead; a redrive is tried once more", async () => {
    const messageId = newId("msg");
    const eventId = `message.failed:${messageId}`;
    expect(await dynamoEventPayloads().claimFanOut(eventId, webhookId, payloadFor(messageId))).toBe(true);
    const last: DeliveryRecord = {
      v: 1,
      kind: "delivery",
      eventId,
      accountId: account.accountId,
      endpointId: webhookId,
      attempt: MAX_ATTEMPTS,
    };

    expect(await attemptAsSender(last)).toBe("dead");
    expect((await history(eventId)).map((d) => `${d.attempt}:${d.outcome}:${d.statusCode}`)).toEqual([
      `${MAX_ATTEMPTS}:dead:503`,
    ]);
    let deadLetter: DeliveryRecord | undefined;
    await expect
      .poll(async () => {
        deadLetter ??= await takeFromDlq(eventId);
        return deadLetter;
      }, poll)
      .toMatchObject({ eventId, endpointId: webhookId, attempt: MAX_ATTEMPTS + 1 });

    // The operator's redrive (DLQ → work queue) after the receiver was fixed: one more attempt.
    healthy = true;
    await sqsClient().send(
      new SendMessageCommand({ QueueUrl: queueUrl("webhooks"), MessageBody: JSON.stringify(deadLetter) }),
    );
    await expect
      .poll(async () => (await history(eventId)).map((d) => `${d.attempt}:${d.outcome}`), poll)
      .toEqual([`${MAX_ATTEMPTS + 1}:delivered`, `${MAX_ATTEMPTS}:dead`]);
    expect(hook.forEvent(eventId)).toHaveLength(2);
  });
});
