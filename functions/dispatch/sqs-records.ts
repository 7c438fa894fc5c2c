import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { type QueuedMessageRecord, queuedMessageRecord } from "../messages/views.ts";
import { sqsConsumer } from "../shared/sqs-consumer.ts";

/** An SQS consumer of queued-message records (the send queues and their DLQs). */
export function queuedMessageConsumer(
  name: string,
  handle: (messageId: string, record: SQSRecord, body: QueuedMessageRecord) => Promise<void>,
): (event: SQSEvent, context: Context) => Promise<SQSBatchResponse> {
  return sqsConsumer(name, queuedMessageRecord, (body, record) => handle(body.messageId, record, body));
}
