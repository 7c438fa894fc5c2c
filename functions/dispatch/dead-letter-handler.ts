import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { envNames } from "../../lib/catalog/env.ts";
import { alertMetrics, metricsNamespace } from "../../lib/catalog/metrics.ts";
import { queuedMessageRecord } from "../messages/views.ts";
import { logger } from "../shared/logger.ts";
import { settleDeadLetter } from "./dead-letters.ts";
import { dispatchDeps } from "./handler.ts";

/**
 * SQS consumer of the SMS dead-letter queues (catalogue: deadLetterConsumer). Each record is a
 * message the dispatcher gave up on; settleDeadLetter makes its status truthful. A record it could
 * not settle (carrier unreachable, a live lease, a lost race) is reported in batchItemFailures and
 * stays in the DLQ: the DLQ-depth alarm now means "the dead-letter consumer itself is stuck", and
 * MessagesDeadLettered (a business alarm, threshold 0) means "dispatch gave up on messages".
 */
let metrics: Metrics | undefined;

function countDeadLetter(): void {
  // Off on the local platform (see functions/messages/metrics.ts), unless explicitly enabled.
  const disabled = process.env.POWERTOOLS_METRICS_DISABLED;
  if (
    disabled !== undefined ? disabled.toLowerCase() === "true" : Boolean(process.env[envNames.localKeyring])
  )
    return;
  const spec = alertMetrics.messagesDeadLettered;
  metrics ??= new Metrics({ namespace: metricsNamespace, serviceName: spec.service });
  // Only the service dimension, which is what the business alarm (lib/monitoring-construct.ts) watches.
  metrics.singleMetric().addMetric(spec.name, MetricUnit.Count, 1);
}

async function handleRecord(record: SQSRecord): Promise<void> {
  const parsed = queuedMessageRecord.safeParse(safeJson(record.body));
  if (!parsed.success) {
    // Nothing to settle from an unreadable body; keeping it would only page someone for ever.
    logger.error("dead-letters: unreadable record dropped", { sqsMessageId: record.messageId });
    return;
  }
  const { messageId } = parsed.data;
  try {
    const outcome = await settleDeadLetter(messageId, dispatchDeps());
    countDeadLetter();
    logger.warn("dead letter settled", { messageId, outcome });
  } catch (error) {
    logger.warn("dead letter kept for a later attempt", {
      messageId,
      reason: error instanceof Error ? error.message : String(error),
    });
    throw error;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> =>
  processPartialResponse(event, handleRecord, new BatchProcessor(EventType.SQS), {
    context,
    throwOnFullBatchFailure: false,
  });
