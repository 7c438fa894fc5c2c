/**
 * Issue 11, dead letters through the `textgate` CLI against the local platform: a message whose
 * queue record waits in sms-transactional's parked queue (where SQS puts what the dead-letter
 * consumer could not settle) shows in `dlq list` and `dlq show` (ids only, never the body),
 * `dlq redrive` hands it back to the dispatcher, which delivers it; `dlq discard` deletes another
 * one for good and is in the operator log with its count and reason.
 */
import { randomBytes } from "node:crypto";
import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { beforeAll, describe, expect, it } from "vitest";
import { queryAuditEvents } from "../../functions/audit/store.ts";
import type { MessageQueue } from "../../functions/messages/model.ts";
import { acceptMessage, defaultMessagingDeps } from "../../functions/messages/service.ts";
import { sqsClient } from "../../functions/shared/aws.ts";
import { systemClock } from "../../functions/shared/clock.ts";
import { envNames } from "../../lib/catalog/index.ts";
import { call, createTestAccount, randomMobile, type TestAccount } from "../messages/support.ts";
import { useLocalPlatformEnv } from "../support/env.ts";
import { signedAdminRequest, textgate, textgateJson } from "./support.ts";

useLocalPlatformEnv();
const QUEUE = "sms-transactional";
const parkedUrl = () => {
  const url = process.env[envNames.queueUrl(`${QUEUE}-parked`)];
  if (!url) throw new Error("no parked queue URL in the platform env");
  return url;
};

/** The record the dispatcher and the dead-letter consumer both gave up on: it sits parked. */
const parkingQueue: MessageQueue = {
  enqueue: async (_queue, messageId) => {
    await sqsClient().send(
      new SendMessageCommand({ QueueUrl: parkedUrl(), MessageBody: JSON.stringify({ v: 1, messageId }) }),
    );
  },
};

let account: TestAccount;
beforeAll(async () => {
  account = await createTestAccount();
});

async function parkedMessage(): Promise<string> {
  const accepted = await acceptMessage(
    { accountId: account.accountId, to: randomMobile(), text: "parked and redriven", priority: "normal" },
    { ...defaultMessagingDeps(), queue: parkingQueue },
  );
  return accepted.id;
}

interface Peeked {
  records: { sqsMessageId: string; receiveCount: number; ids: Record<string, string> }[];
}
const parkedIds = async () =>
  (await textgateJson<Peeked>("dlq", "show", QUEUE, "--parked", "--limit", "50")).records.map(
    (record) => record.ids.messageId,
  );

describe("dead letters through the operator CLI", () => {
  it("lists a parked record with its count, shows its ids only, and redrives it to delivery", async () => {
    const messageId = await parkedMessage();

    const listed = await textgateJson<{ queues: { queue: string; parked?: { waiting: number } }[] }>(
      "dlq",
      "list",
    );
    const row = listed.queues.find((queue) => queue.queue === QUEUE);
    expect(row?.parked?.waiting).toBeGreaterThanOrEqual(1);
    expect(listed.queues.map((queue) => queue.queue)).toEqual(
      expect.arrayContaining(["sms-otp", "sms-bulk", "sms-smpp", "webhooks"]),
    );

    const peeked = await textgateJson<Peeked>("dlq", "show", QUEUE, "--parked", "--limit", "50");
    const record = peeked.records.find((candidate) => candidate.ids.messageId === messageId);
    expect(record?.receiveCount).toBeGreaterThanOrEqual(1);
    // Ids and receive facts only: the body itself never leaves the function.
    expect(Object.keys(record ?? {}).sort()).toEqual(
      ["firstReceivedAt", "ids", "receiveCount", "sentAt", "sqsMessageId"].sort(),
    );
    const human = await textgate("dlq", "list");
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(new RegExp(`^${QUEUE}\\s+\\d+\\s+\\d+\\s+[1-9]\\d*`, "m"));

    const redriven = await textgateJson<{ count: number; failed: number; remaining: number }>(
      "dlq",
      "redrive",
      QUEUE,
      "--parked",
      "--reason",
      "carrier outage over",
    );
    expect(redriven.count).toBeGreaterThanOrEqual(1);
    expect(redriven.failed).toBe(0);
    expect(await parkedIds()).not.toContain(messageId);
    await expect
      .poll(
        async () => (await call("GET", `/v1/messages/${messageId}`, { apiKey: account.apiKey })).body.status,
        { timeout: 20_000, interval: 200 },
      )
      .toBe("delivered");
  });

  it("discards a parked record only with a reason, and audits the count and reason in the operator log", async () => {
    const messageId = await parkedMessage();
    const reason = `test record ${randomBytes(4).toString("hex")}, not worth sending`;

    const noReasonCli = await textgate("dlq", "discard", QUEUE, "--parked");
    expect(noReasonCli.code).toBe(2);
    const noReasonApi = await signedAdminRequest("POST", `/v1/admin/dead-letters/${QUEUE}/discard`, {
      body: { source: "parked" },
    });
    expect(noReasonApi.status).toBe(400);
    expect(await parkedIds()).toContain(messageId);

    const discarded = await textgateJson<{ count: number; failed: number }>(
      "dlq",
      "discard",
      QUEUE,
      "--parked",
      "--reason",
      reason,
    );
    expect(discarded.count).toBeGreaterThanOrEqual(1);
    expect(discarded.failed).toBe(0);
    expect(await parkedIds()).not.toContain(messageId);

    const { events } = await queryAuditEvents(
      { accountId: "operator", action: "deadletters.discarded", limit: 50 },
      systemClock,
    );
    const event = events.find((candidate) => candidate.details?.reason === reason);
    expect(event).toMatchObject({
      actor: { type: "operator" },
      target: { type: "queue", id: QUEUE },
      details: { source: "parked", count: discarded.count, failed: 0 },
    });
  });

  it("answers 404 for a queue outside the catalogue and for a parked queue that does not exist", async () => {
    const unknown = await textgate("dlq", "show", "no-such-queue");
    expect(unknown.code).toBe(4);
    expect(unknown.stderr.trim().split("\n")).toHaveLength(1);
    const noParked = await signedAdminRequest("GET", "/v1/admin/dead-letters/webhooks?source=parked");
    expect(noParked.status).toBe(404);
  });
});
