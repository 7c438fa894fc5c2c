import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { alertMetrics, metricsNamespace } from "../../lib/catalog/metrics.ts";
import { flushingQualityStats } from "../carriers/quality/recording-store.ts";
import { logger } from "../shared/logger.ts";
import { metricsEnabled } from "../shared/metrics-enabled.ts";
import { settleDeadLetter } from "./dead-letters.ts";
import { batchDispatchDeps, dispatchQualityStats } from "./handler.ts";
import { queuedMessageConsumer } from "./sqs-records.ts";

/**
 * SQS consumer of the SMS dead-letter queues (catalogue: deadLetterConsumer). Each record is a
 * message the dispatcher gave up on; settleDeadLetter makes its status truthful. A record it could
 * not settle (carrier unreachable, a live lease, a lost race) is reported in batchItemFailures and
 * comes back after the DLQ's visibility timeout; after the catalogue's parkAfterReceives tries SQS
 * parks it in <queue>-parked, which nothing consumes (never resubmitted) and whose depth alarm calls
 * an operator (docs/runbooks/dlq-redrive.md). MessagesDeadLettered (a business alarm, threshold 0)
 * means "dispatch gave up on messages".
 */
let metrics: Metrics | undefined;

function countDeadLetter(): void {
  if (!metricsEnabled()) return;
  const spec = alertMetrics.messagesDeadLettered;
  metrics ??= new Metrics({ namespace: metricsNamespace, serviceName: spec.service });
  // Only the service dimension, which is what the business alarm (lib/monitoring-construct.ts) watches.
  metrics.singleMetric().addMetric(spec.name, MetricUnit.Count, 1);
}

const consumeDeadLetters = queuedMessageConsumer("dead-letters", async (messageId) => {
  try {
    const outcome = await settleDeadLetter(messageId, batchDispatchDeps());
    countDeadLetter();
    logger.warn("dead letter settled", { messageId, outcome });
  } catch (error) {
    logger.warn("dead letter kept for a later attempt", {
      messageId,
      reason: error instanceof Error ? error.message : String(error),
    });
    throw error;
  }
});

export const handler = flushingQualityStats(dispatchQualityStats, consumeDeadLetters);
