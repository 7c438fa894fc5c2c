/**
 * Local SQS event-source mapping: long-polls each consumed queue, gathers batches like Lambda
 * (batchSize within maxBatchingWindowSeconds), invokes the consumer with an SQSEvent shaped exactly
 * like AWS's, and applies ReportBatchItemFailures: successes are deleted, failures stay invisible
 * until the visibility timeout ends and are redelivered; the queue's redrive moves them to the DLQ.
 */
import { setMaxListeners } from "node:events";
import {
  DeleteMessageBatchCommand,
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import type { SQSBatchResponse, SQSEvent, SQSMessageAttributes, SQSRecord } from "aws-lambda";
import { catalog, type FunctionSpec, type QueueConsumerSpec, type QueueSpec } from "../lib/catalog/index.ts";
import { LOCAL_REGION } from "./emulators.ts";
import { type FunctionInvoker, type HandlerLoader, inProcessInvoker } from "./lambda-runtime.ts";

/** Lambda's ESM batches at most 10 messages per ReceiveMessage call. */
const RECEIVE_MAX = 10;

export interface PolledQueue {
  readonly id: string;
  readonly url: string;
  readonly arn: string;
  readonly consumer: QueueConsumerSpec;
}

/**
 * The queues to poll for one catalogue queue: the queue itself for its consumer, and its DLQ for
 * its deadLetterConsumer (as the DLQ's event-source mapping does on AWS).
 */
export function polledQueuesOf(queue: {
  readonly spec: QueueSpec;
  readonly url: string;
  readonly arn: string;
  readonly dlqUrl: string;
  readonly dlqArn: string;
}): PolledQueue[] {
  const { spec } = queue;
  return [
    ...(spec.consumer ? [{ id: spec.id, url: queue.url, arn: queue.arn, consumer: spec.consumer }] : []),
    ...(spec.deadLetterConsumer
      ? [{ id: `${spec.id}-dlq`, url: queue.dlqUrl, arn: queue.dlqArn, consumer: spec.deadLetterConsumer }]
      : []),
  ];
}

export interface SqsPollerOptions {
  readonly queues: readonly PolledQueue[];
  readonly stage: string;
  readonly functions?: readonly FunctionSpec[];
  readonly loader?: HandlerLoader;
  /** Runs invocations (e.g. in worker threads); default: in this thread with `loader`. */
  readonly invoke?: FunctionInvoker;
  /**
   * Concurrent pollers per queue (Lambda scales these; a few are enough locally), never more than the
   * consumer's maximumConcurrency.
   */
  readonly pollersPerQueue?: number;
  /** Long-poll wait per ReceiveMessage. */
  readonly waitTimeSeconds?: number;
  readonly onError?: (message: string, error: unknown) => void;
}

export interface RunningPollers {
  stop(): Promise<void>;
}

function toLambdaAttributes(
  attributes: Record<string, MessageAttributeValue> | undefined,
): SQSMessageAttributes {
  const out: SQSMessageAttributes = {};
  for (const [name, value] of Object.entries(attributes ?? {})) {
    out[name] = {
      ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
      ...(value.BinaryValue !== undefined
        ? { binaryValue: Buffer.from(value.BinaryValue).toString("base64") }
        : {}),
      stringListValues: value.StringListValues ?? [],
      binaryListValues: (value.BinaryListValues ?? []).map((v) => Buffer.from(v).toString("base64")),
      dataType: value.DataType ?? "String",
    };
  }
  return out;
}

/** One SQS message → one Lambda SQS record, field for field as AWS builds it. */
export function toSqsRecord(message: Message, queueArn: string): SQSRecord {
  const attributes = message.Attributes ?? {};
  return {
    messageId: message.MessageId ?? "",
    receiptHandle: message.ReceiptHandle ?? "",
    body: message.Body ?? "",
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? "1",
      SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
      SenderId: attributes.SenderId ?? "",
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
      ...(attributes.AWSTraceHeader ? { AWSTraceHeader: attributes.AWSTraceHeader } : {}),
      ...(attributes.SequenceNumber ? { SequenceNumber: attributes.SequenceNumber } : {}),
      ...(attributes.MessageGroupId ? { MessageGroupId: attributes.MessageGroupId } : {}),
      ...(attributes.MessageDeduplicationId
        ? { MessageDeduplicationId: attributes.MessageDeduplicationId }
        : {}),
    },
    messageAttributes: toLambdaAttributes(message.MessageAttributes),
    md5OfBody: message.MD5OfBody ?? "",
    ...(message.MD5OfMessageAttributes ? { md5OfMessageAttributes: message.MD5OfMessageAttributes } : {}),
    eventSource: "aws:sqs",
    eventSourceARN: queueArn,
    awsRegion: LOCAL_REGION,
  };
}

/**
 * Which records to delete after an invocation, by Lambda's rules: a malformed failure list (not an
 * array, unknown or empty itemIdentifier) fails the whole batch; otherwise every record not listed
 * in batchItemFailures succeeded. (A thrown error never gets here: nothing is deleted then.)
 */
export function interpretBatchResponse(
  records: readonly SQSRecord[],
  output: unknown,
): { succeeded: SQSRecord[]; invalid: boolean } {
  if (output === undefined || output === null || typeof output !== "object") {
    return { succeeded: [...records], invalid: false };
  }
  const failures = (output as Partial<SQSBatchResponse>).batchItemFailures;
  if (failures === undefined || failures === null) return { succeeded: [...records], invalid: false };
  if (!Array.isArray(failures)) return { succeeded: [], invalid: true };
  const ids = new Set(records.map((r) => r.messageId));
  const failed = new Set<string>();
  for (const failure of failures) {
    const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== "string" || !ids.has(id)) return { succeeded: [], invalid: true };
    failed.add(id);
  }
  return { succeeded: records.filter((r) => !failed.has(r.messageId)), invalid: false };
}

const isAbort = (error: unknown) => error instanceof Error && error.name === "AbortError";

export function startSqsPollers(options: SqsPollerOptions): RunningPollers {
  const client = new SQSClient({});
  const functions = options.functions ?? catalog.functions;
  const invoke = options.invoke ?? inProcessInvoker(options.stage, options.loader);
  const waitTime = options.waitTimeSeconds ?? 5;
  const onError =
    options.onError ??
    ((message: string, error: unknown) =>
      console.error(`local poller: ${message}: ${error instanceof Error ? error.message : String(error)}`));
  const abort = new AbortController();
  // Every long poll of every queue listens on this one signal: more than Node's default 10 is normal.
  setMaxListeners(0, abort.signal);
  let stopping = false;

  async function receive(queue: PolledQueue, max: number, wait: number): Promise<Message[]> {
    const result = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: queue.url,
        MaxNumberOfMessages: max,
        WaitTimeSeconds: wait,
        MessageSystemAttributeNames: ["All"],
        MessageAttributeNames: ["All"],
      }),
      { abortSignal: abort.signal },
    );
    return result.Messages ?? [];
  }

  /** Gathers up to batchSize messages, waiting at most the batching window after the first. */
  async function gather(queue: PolledQueue): Promise<Message[]> {
    const { batchSize, maxBatchingWindowSeconds } = queue.consumer;
    const batch = await receive(queue, Math.min(RECEIVE_MAX, batchSize), waitTime);
    if (batch.length === 0) return batch;
    const windowEnds = Date.now() + maxBatchingWindowSeconds * 1000;
    while (!stopping && batch.length < batchSize) {
      const remaining = windowEnds - Date.now();
      if (remaining <= 0) break;
      // WaitTimeSeconds is whole seconds: under a second left, poll briefly instead.
      const wait = Math.min(20, Math.floor(remaining / 1000));
      const more = await receive(queue, Math.min(RECEIVE_MAX, batchSize - batch.length), wait);
      batch.push(...more);
      if (more.length === 0 && wait === 0) await new Promise((r) => setTimeout(r, Math.min(remaining, 100)));
    }
    return batch;
  }

  async function deleteRecords(queue: PolledQueue, records: readonly SQSRecord[]): Promise<void> {
    for (let i = 0; i < records.length; i += RECEIVE_MAX) {
      const chunk = records.slice(i, i + RECEIVE_MAX);
      const result = await client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queue.url,
          Entries: chunk.map((r, n) => ({ Id: String(n), ReceiptHandle: r.receiptHandle })),
        }),
      );
      if (result.Failed && result.Failed.length > 0) {
        onError(
          `${queue.id}: delete failed for ${result.Failed.length} message(s)`,
          result.Failed[0]?.Message,
        );
      }
    }
  }

  async function pollLoop(queue: PolledQueue, fn: FunctionSpec): Promise<void> {
    while (!stopping) {
      let messages: Message[];
      try {
        messages = await gather(queue);
      } catch (error) {
        if (stopping || isAbort(error)) return;
        onError(`${queue.id}: receive failed`, error);
        await new Promise((r) => setTimeout(r, 1000));
        continue;
      }
      if (messages.length === 0) continue;
      const records = messages.map((m) => toSqsRecord(m, queue.arn));
      const event: SQSEvent = { Records: records };
      let output: unknown;
      try {
        output = await invoke(fn, event);
      } catch (error) {
        // Whole batch failed: nothing is deleted; every message comes back after its visibility timeout.
        onError(`${queue.id}: ${fn.id} failed`, error);
        continue;
      }
      const { succeeded, invalid } = interpretBatchResponse(records, output);
      if (invalid)
        onError(`${queue.id}: ${fn.id} returned an invalid batchItemFailures list`, "whole batch retried");
      try {
        await deleteRecords(queue, succeeded);
      } catch (error) {
        onError(`${queue.id}: delete failed`, error);
      }
    }
  }

  const loops: Promise<void>[] = [];
  for (const queue of options.queues) {
    const fn = functions.find((f) => f.id === queue.consumer.function);
    if (!fn) {
      onError(`${queue.id}: consumer not started`, `unknown function "${queue.consumer.function}"`);
      continue;
    }
    // Each loop runs one batch at a time, so the loop count is the mapping's concurrency: capped by
    // the catalogue's maximumConcurrency as Lambda caps it.
    const concurrency = Math.min(options.pollersPerQueue ?? 2, queue.consumer.maximumConcurrency);
    for (let i = 0; i < concurrency; i++) loops.push(pollLoop(queue, fn));
  }

  return {
    stop: async () => {
      stopping = true;
      // Abandons waiting long polls; batches already being handled run to completion (or timeout).
      abort.abort();
      await Promise.allSettled(loops);
      client.destroy();
    },
  };
}
