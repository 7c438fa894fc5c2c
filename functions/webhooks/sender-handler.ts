import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { logger } from "../shared/logger.ts";
import { deliver, fanOut } from "./delivery.ts";
import { webhookQueueRecord } from "./schemas.ts";
import { webhookDeps } from "./wiring.ts";

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Consumer of the webhooks queue. Customer failures never fail a record: they are re-enqueued with
 * a delay (the retry schedule). A record fails (and after maxReceiveCount lands in the DLQ, where
 * the DLQ alarm sees it) only when our side breaks: DynamoDB, SQS or KMS errors.
 */
async function handleRecord(record: SQSRecord): Promise<void> {
  const parsed = webhookQueueRecord.safeParse(safeJson(record.body));
  if (!parsed.success) {
    logger.error("webhook-sender: unreadable record dropped", { sqsMessageId: record.messageId });
    return;
  }
  if (parsed.data.kind === "event") {
    const endpoints = await fanOut(parsed.data, webhookDeps());
    logger.info("webhook event fanned out", { eventId: parsed.data.eventId, endpoints });
    return;
  }
  await deliver(parsed.data, webhookDeps());
}

export const handler = (event: SQSEvent, context: Context): Promise<SQSBatchResponse> =>
  processPartialResponse(event, handleRecord, new BatchProcessor(EventType.SQS), {
    context,
    throwOnFullBatchFailure: false,
  });
