import { SendMessageCommand } from "@aws-sdk/client-sqs";
import type { SQSRecord } from "aws-lambda";
import { catalog, functionSpec, queueSpec } from "../../lib/catalog/index.ts";
import { adapterFor, carrierBreakers } from "../carriers/adapters.ts";
import { flushingQualityStats, qualityRecordingStore } from "../carriers/quality/recording-store.ts";
import {
  batchedQualityStats,
  dynamoQualityStats,
  type QualityStatsWriter,
} from "../carriers/quality/stats-store.ts";
import { listCarrierRoutes } from "../carriers/store.ts";
import { messagingMetrics } from "../messages/metrics.ts";
import type { QueuedMessageRecord } from "../messages/views.ts";
import { sqsClient } from "../shared/aws.ts";
import { systemClock } from "../shared/clock.ts";
import { queueUrl } from "../shared/config.ts";
import { fieldCipher } from "../shared/crypto.ts";
import { logger } from "../shared/logger.ts";
import { type DispatchDeps, dispatchMessage, RetryLaterError } from "./service.ts";
import { queuedMessageConsumer } from "./sqs-records.ts";

/**
 * SQS consumer of sms-otp, sms-transactional and sms-bulk. Records are processed in parallel; a
 * record that must be retried is reported in batchItemFailures (ReportBatchItemFailures), so only
 * it comes back after the visibility timeout, and after maxReceiveCount receives it goes to the DLQ.
 */
/**
 * A submission lease must outlive the function (so a live attempt is never taken over) and end
 * before SQS redelivers the record (so the redelivery can reconcile instead of waiting again).
 * test/dispatch/lease-config.test.ts holds the catalogue to that.
 */
export const LEASE_MS = functionSpec("dispatch").timeoutSeconds * 3 * 1000;
const MAX_RECEIVE_COUNT = queueSpec("sms-transactional").maxReceiveCount;

/**
 * Quality counts of a consumer batch, written once per counters item when the batch is done (one
 * write per batch rather than one per SMS). Only the SQS consumers that flush it at their end
 * (flushingQualityStats: this one and the dead-letter consumer) use it, through batchDispatchDeps.
 */
export const dispatchQualityStats = batchedQualityStats();

let deps: DispatchDeps | undefined;
let batchDeps: DispatchDeps | undefined;

/** Dispatch deps writing each quality count at once: for callers with no batch end to flush at. */
export function dispatchDeps(): DispatchDeps {
  deps ??= newDispatchDeps(dynamoQualityStats());
  return deps;
}

/** Dispatch deps gathering quality counts in dispatchQualityStats: for flushingQualityStats handlers only. */
export function batchDispatchDeps(): DispatchDeps {
  batchDeps ??= newDispatchDeps(dispatchQualityStats);
  return batchDeps;
}

function newDispatchDeps(stats: QualityStatsWriter): DispatchDeps {
  return {
    store: qualityRecordingStore(undefined, stats),
    routes: listCarrierRoutes,
    adapterFor,
    carrierAvailable: (carrierId) => carrierBreakers.allows(carrierId),
    carrierReopensInMs: (carrierId) => carrierBreakers.reopensInMs(carrierId),
    cipher: fieldCipher(),
    clock: systemClock,
    leaseMs: LEASE_MS,
    metrics: messagingMetrics(),
    defaultSender: process.env.TEXTGATE_DEFAULT_SENDER ?? "Textgate",
    ...(process.env.TEXTGATE_PUBLIC_API_URL ? { publicApiUrl: process.env.TEXTGATE_PUBLIC_API_URL } : {}),
    handOffToSmpp: async (messageId) => {
      await sqsClient().send(
        new SendMessageCommand({
          QueueUrl: queueUrl("sms-smpp"),
          MessageBody: JSON.stringify({ v: 1, messageId } satisfies QueuedMessageRecord),
        }),
      );
    },
  };
}

/** The send queues this function consumes, by the physical name at the end of their URL. */
const consumedQueueIds = catalog.queues
  .filter((queue) => queue.consumer?.function === "dispatch")
  .map((queue) => queue.id);

/** The URL of the queue a record came from (its ARN ends with the queue's name, as its URL does). */
function sourceQueueUrl(eventSourceArn: string): string {
  const name = eventSourceArn.split(":").at(-1) ?? "";
  const id = consumedQueueIds.find((queueId) => queueUrl(queueId).endsWith(`/${name}`));
  if (!id) throw new Error(`dispatch: record from a queue it does not consume (${name})`);
  return queueUrl(id);
}

/** A delayed copy goes back on the record's own queue, so it keeps its priority lane. */
const deferOnQueueOf =
  (record: SQSRecord): DispatchDeps["deferRecord"] =>
  async (body, delaySeconds) => {
    await sqsClient().send(
      new SendMessageCommand({
        QueueUrl: sourceQueueUrl(record.eventSourceARN),
        MessageBody: JSON.stringify(body satisfies QueuedMessageRecord),
        DelaySeconds: delaySeconds,
      }),
    );
  };

const consumeRecords = queuedMessageConsumer("dispatch", async (messageId, record, body) => {
  const receiveCount = Number(record.attributes?.ApproximateReceiveCount ?? "1");
  try {
    const outcome = await dispatchMessage(
      {
        messageId,
        receiveCount,
        maxReceiveCount: MAX_RECEIVE_COUNT,
        ...(body.deferrals ? { deferrals: body.deferrals } : {}),
      },
      { ...batchDispatchDeps(), deferRecord: deferOnQueueOf(record) },
    );
    batchDispatchDeps().metrics?.dispatched(outcome);
    // "sent" was logged by the state change itself ("message sent"); other outcomes are told here.
    const log = outcome === "sent" ? logger.debug.bind(logger) : logger.info.bind(logger);
    log("dispatch record done", { messageId, outcome, receiveCount });
  } catch (error) {
    if (error instanceof RetryLaterError) {
      batchDispatchDeps().metrics?.dispatched("retry");
      logger.warn("dispatch retry later", {
        messageId,
        reason: error.message,
        receiveCount,
      });
    }
    throw error;
  }
});

export const handler = flushingQualityStats(dispatchQualityStats, consumeRecords);
