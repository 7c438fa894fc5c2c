import { logger } from "../shared/logger.ts";
import { sqsConsumer } from "../shared/sqs-consumer.ts";
import { deliver, fanOut } from "./delivery.ts";
import { webhookQueueRecord } from "./schemas.ts";
import { webhookDeps } from "./wiring.ts";

/**
 * Consumer of the webhooks queue. Customer failures never fail a record: they are re-enqueued with
 * a delay (the retry schedule). A record fails (and after maxReceiveCount lands in the DLQ, where
 * the DLQ alarm sees it) only when our side breaks: DynamoDB, SQS or KMS errors.
 */
export const handler = sqsConsumer("webhook-sender", webhookQueueRecord, async (record) => {
  if (record.kind === "event") {
    const endpoints = await fanOut(record, webhookDeps());
    logger.info("webhook event fanned out", { eventId: record.eventId, endpoints });
    return;
  }
  await deliver(record, webhookDeps());
});
