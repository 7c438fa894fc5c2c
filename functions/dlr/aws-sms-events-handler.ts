import { flushingQualityStats, qualityRecordingStore } from "../carriers/quality/recording-store.ts";
import { batchedQualityStats } from "../carriers/quality/stats-store.ts";
import { messagingMetrics } from "../messages/metrics.ts";
import { logger } from "../shared/logger.ts";
import { sqsConsumer } from "../shared/sqs-consumer.ts";
import { awsSmsEvent, readAwsSmsEvent } from "./aws-sms-events.ts";
import { applyDeliveryReport } from "./service.ts";

/**
 * SQS consumer of the aws-sms-events queue. A record that cannot be read is acknowledged with an error
 * log (it would never parse on a retry); a store error fails only its record (batchItemFailures), so
 * it returns after the visibility timeout and reaches the DLQ after maxReceiveCount.
 */
// Quality counts gathered per batch and written once per counters item before the batch returns.
const stats = batchedQualityStats();
const store = qualityRecordingStore(undefined, stats);

const consumeEvents = sqsConsumer("aws-sms-events", awsSmsEvent, async (event) => {
  const reading = readAwsSmsEvent(event);
  if (reading.kind === "ignored") {
    logger.debug("aws-sms-events: event ignored", { eventType: event.eventType, why: reading.why });
    return;
  }
  const outcome = await applyDeliveryReport(
    { carrierId: reading.carrierId, report: reading.report },
    { store },
  );
  messagingMetrics().deliveryReport(
    reading.carrierId,
    outcome === "applied" ? reading.report.status : outcome,
  );
});

export const handler = flushingQualityStats(stats, consumeEvents);
