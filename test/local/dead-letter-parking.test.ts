import { randomBytes } from "node:crypto";
import { ReceiveMessageCommand, SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import type { SQSEvent } from "aws-lambda";
import { afterEach, beforeAll, describe, expect, test } from "vitest";
import type { FunctionSpec, QueueSpec } from "../../lib/catalog/index.ts";
import { ensureQueue } from "../../local/resources.ts";
import { polledQueuesOf, type RunningPollers, startSqsPollers } from "../../local/sqs-poller.ts";
import { useLocalPlatformEnv } from "../support/env.ts";

/**
 * A dead letter its consumer can never settle must not loop in flight until retention deletes it:
 * after parkAfterReceives tries SQS parks it in a queue nothing consumes, where an operator (and the
 * parked-depth alarm) sees it. Same redrive settings as on AWS, against the SQS emulator.
 */
useLocalPlatformEnv();
let sqs: SQSClient;
beforeAll(() => {
  sqs = new SQSClient({});
});

let pollers: RunningPollers | undefined;
afterEach(async () => {
  await pollers?.stop();
  pollers = undefined;
});

const fn = (id: string): FunctionSpec => ({
  id,
  purpose: "test",
  entry: "test/consumer.ts",
  memoryMb: 128,
  timeoutSeconds: 1,
  grants: {},
});

async function until(condition: () => Promise<boolean>, what: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe("parking dead letters", () => {
  test("a record the dead-letter consumer always fails is parked after parkAfterReceives tries, never resent", async () => {
    const parkAfterReceives = 3;
    const spec: QueueSpec = {
      id: "test",
      purpose: "test",
      visibilityTimeoutSeconds: 1,
      maxReceiveCount: 2,
      retentionDays: 1,
      consumer: { function: "work", batchSize: 1, maxBatchingWindowSeconds: 0, maximumConcurrency: 2 },
      deadLetterConsumer: {
        function: "settle",
        batchSize: 1,
        maxBatchingWindowSeconds: 0,
        maximumConcurrency: 2,
      },
      parkAfterReceives,
    };
    const queue = await ensureQueue(sqs, spec, `textgate-test-${randomBytes(5).toString("hex")}`);
    if (!queue.parkedUrl) throw new Error("no parked queue created");
    const tries = { work: 0, settle: 0 };
    const failAll = (name: keyof typeof tries) => async (event: unknown) => ({
      batchItemFailures: (event as SQSEvent).Records.map((record) => {
        tries[name]++;
        return { itemIdentifier: record.messageId };
      }),
    });
    pollers = startSqsPollers({
      queues: polledQueuesOf(queue),
      stage: "test",
      functions: [fn("work"), fn("settle")],
      loader: async (spec) => failAll(spec.id === "work" ? "work" : "settle"),
      waitTimeSeconds: 1,
      onError: () => {},
    });
    await sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: '{"messageId":"msg_1"}' }));

    const parkedBodies: string[] = [];
    await until(async () => {
      const { Messages } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queue.parkedUrl, WaitTimeSeconds: 1, VisibilityTimeout: 60 }),
      );
      parkedBodies.push(...(Messages ?? []).map((m) => m.Body ?? ""));
      return parkedBodies.length > 0;
    }, "the record in the parked queue");

    expect(parkedBodies).toEqual(['{"messageId":"msg_1"}']);
    // Every try the work queue and the DLQ allow, and not one more: parking resubmits nothing.
    expect(tries).toEqual({ work: spec.maxReceiveCount, settle: parkAfterReceives });
  });
});
