import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { qualityRecordingStore } from "../carriers/quality/recording-store.ts";
import { messagingMetrics } from "../messages/metrics.ts";
import { logger } from "../shared/logger.ts";
import { awsSmsEvent, readAwsSmsEvent } from "./aws-sms-events.ts";
import { applyDeliveryReport } from "./service.ts";

/**
 * SQS consumer of the aws-sms-events queue. A record that cannot be read is acknowledged with an error
 * log (it would never parse on a retry); a store error fails only its record (batchItemFailures), so
 * it returns after the visibility timeout and reaches the DLQ after maxReceiveCount.
 */
const store = qualityRecordingStore();

function parseBody(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

async function handleRecord(record: SQSRecord): Promise<void> {
  const parsed = awsSmsEvent.safeParse(parseBody(record.body));
  if (!parsed.success) {
    logger.error("aws-sms-events: unreadable event dropped", { sqsMessageId: record.messageId });
    return;
  }
  const reading = readAwsSmsEvent(parsed.data);
  if (reading.kind === "ignored") {
    logger.debug("aws-sms-events: event ignored", { eventType: parsed.data.eventType, why: reading.why });
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
}

export const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> =>
  processPartialResponse(event, handleRecord, new BatchProcessor(EventType.SQS), {
    context,
    throwOnFullBatchFailure: false,
  });
