import { createHash, randomBytes } from "node:crypto";
import {
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import type { SQSEvent, SQSRecord } from "aws-lambda";
import { afterEach, beforeAll, describe, expect, test } from "vitest";
import type { FunctionSpec, QueueSpec } from "../../lib/catalog/index.ts";
import type { LambdaHandler } from "../../local/lambda-runtime.ts";
import { ensureQueue, type LocalQueue } from "../../local/resources.ts";
import { type RunningPollers, startSqsPollers } from "../../local/sqs-poller.ts";
import { useLocalPlatformEnv } from "../support/env.ts";

useLocalPlatformEnv();
let sqs: SQSClient;
beforeAll(() => {
  sqs = new SQSClient({});
});

const consumerFn: FunctionSpec = {
  id: "consumer",
  purpose: "test",
  entry: "test/consumer.ts",
  memoryMb: 128,
  timeoutSeconds: 5,
  grants: {},
};

/** A test queue made by the same resource code as the platform's, with short numbers. */
async function testQueue(
  maxReceiveCount: number,
  batchSize = 10,
  windowSeconds = 0,
  visibilityTimeoutSeconds = 1,
  maximumConcurrency = 10,
): Promise<LocalQueue> {
  const spec: QueueSpec = {
    id: "test",
    purpose: "test",
    visibilityTimeoutSeconds,
    maxReceiveCount,
    retentionDays: 1,
    consumer: {
      function: "consumer",
      batchSize,
      maxBatchingWindowSeconds: windowSeconds,
      maximumConcurrency,
    },
  };
  return ensureQueue(sqs, spec, `textgate-test-${randomBytes(5).toString("hex")}`);
}

let pollers: RunningPollers | undefined;
afterEach(async () => {
  await pollers?.stop();
  pollers = undefined;
});

function poll(queue: LocalQueue, handler: LambdaHandler, pollersPerQueue = 2): void {
  pollers = startSqsPollers({
    pollersPerQueue,
    queues: [{ id: "test", url: queue.url, arn: queue.arn, consumer: queue.spec.consumer as never }],
    stage: "test",
    functions: [consumerFn],
    loader: async () => handler,
    waitTimeSeconds: 1,
    onError: () => {},
  });
}

async function until(condition: () => boolean | Promise<boolean>, what: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function visibleAndInFlight(url: string): Promise<number> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    }),
  );
  return (
    Number(Attributes?.ApproximateNumberOfMessages) +
    Number(Attributes?.ApproximateNumberOfMessagesNotVisible)
  );
}

describe("SQS event-source mapping", () => {
  test("records are shaped like Lambda's SQS event", async () => {
    const queue = await testQueue(3);
    const seen: SQSRecord[] = [];
    poll(queue, async (event) => {
      seen.push(...(event as SQSEvent).Records);
    });
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queue.url,
        MessageBody: '{"hello":"world"}',
        MessageAttributes: { kind: { DataType: "String", StringValue: "otp" } },
      }),
    );
    await until(() => seen.length === 1, "the record");
    const record = seen[0] as SQSRecord;
    expect(record).toMatchObject({
      body: '{"hello":"world"}',
      eventSource: "aws:sqs",
      eventSourceARN: queue.arn,
      awsRegion: "eu-central-1",
      md5OfBody: createHash("md5").update('{"hello":"world"}').digest("hex"),
      messageAttributes: {
        kind: { stringValue: "otp", stringListValues: [], binaryListValues: [], dataType: "String" },
      },
    });
    expect(record.attributes.ApproximateReceiveCount).toBe("1");
    expect(record.attributes.SentTimestamp).toMatch(/^\d+$/);
    expect(record.messageId).not.toBe("");
    expect(record.receiptHandle).not.toBe("");
  });

  test("partial batch failure: successes are deleted, the failed message is redelivered", async () => {
    const queue = await testQueue(5);
    const deliveries = new Map<string, number>();
    poll(queue, async (event) => {
      const failures = [];
      for (const record of (event as SQSEvent).Records) {
        const count = (deliveries.get(record.body) ?? 0) + 1;
        deliveries.set(record.body, count);
        if (record.body === "flaky" && count === 1) failures.push({ itemIdentifier: record.messageId });
      }
      return { batchItemFailures: failures };
    });
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queue.url,
        Entries: ["ok-1", "flaky", "ok-2"].map((body, i) => ({ Id: String(i), MessageBody: body })),
      }),
    );
    await until(() => deliveries.get("flaky") === 2, "the failed message to come back");
    await until(async () => (await visibleAndInFlight(queue.url)) === 0, "the queue to drain");
    expect(deliveries.get("ok-1")).toBe(1);
    expect(deliveries.get("ok-2")).toBe(1);
  });

  test("a handler that throws deletes nothing: the whole batch comes back", async () => {
    const queue = await testQueue(5);
    let calls = 0;
    poll(queue, async (event) => {
      calls++;
      if (calls === 1) throw new Error("boom");
      expect((event as SQSEvent).Records[0]?.attributes.ApproximateReceiveCount).toBe("2");
    });
    await sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: "again" }));
    await until(() => calls >= 2, "the redelivery");
    await until(async () => (await visibleAndInFlight(queue.url)) === 0, "the queue to drain");
  });

  test("a message that always fails ends in the DLQ after maxReceiveCount receives", async () => {
    const maxReceiveCount = 2;
    const queue = await testQueue(maxReceiveCount);
    let attempts = 0;
    poll(queue, async (event) => ({
      batchItemFailures: (event as SQSEvent).Records.map((r) => {
        attempts++;
        return { itemIdentifier: r.messageId };
      }),
    }));
    await sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: "poison" }));
    const dead: string[] = [];
    await until(async () => {
      const { Messages } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queue.dlqUrl, WaitTimeSeconds: 1 }),
      );
      dead.push(...(Messages ?? []).map((m) => m.Body ?? ""));
      return dead.length > 0;
    }, "the message in the DLQ");
    expect(dead).toEqual(["poison"]);
    expect(attempts).toBe(maxReceiveCount);
    expect(await visibleAndInFlight(queue.url)).toBe(0);
  });

  test("never runs more batches at once than the consumer's maximumConcurrency", async () => {
    const queue = await testQueue(3, 1, 0, 30, 2);
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queue.url,
        Entries: Array.from({ length: 10 }, (_, i) => ({ Id: String(i), MessageBody: `m${i}` })),
      }),
    );
    let running = 0;
    let mostAtOnce = 0;
    let handled = 0;
    // Five pollers asked for: only two may run, as Lambda's MaximumConcurrency allows.
    poll(
      queue,
      async () => {
        running++;
        mostAtOnce = Math.max(mostAtOnce, running);
        await new Promise((r) => setTimeout(r, 150));
        running--;
        handled++;
      },
      5,
    );
    await until(() => handled === 10, "all 10 messages");
    expect(mostAtOnce).toBe(2);
  });

  test("a batch gathers up to batchSize across several receives within the batching window", async () => {
    // Visibility longer than the window, as AWS requires: gathered messages must not reappear.
    const queue = await testQueue(3, 15, 2, 30);
    const send = (from: number) =>
      sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queue.url,
          Entries: Array.from({ length: 10 }, (_, i) => ({ Id: String(i), MessageBody: `m${from + i}` })),
        }),
      );
    await send(0);
    await send(10);
    const batches: number[] = [];
    poll(
      queue,
      async (event) => {
        batches.push((event as SQSEvent).Records.length);
      },
      1,
    );
    await until(() => batches.reduce((a, b) => a + b, 0) === 20, "all 20 messages");
    // ReceiveMessage returns at most 10, so 15 proves the poller gathered across receives.
    expect(batches[0]).toBe(15);
    expect(batches.every((size) => size <= 15)).toBe(true);
  });
});
