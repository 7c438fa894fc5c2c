import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { logger } from "../shared/logger.ts";
import { runErasure } from "./erasure.ts";
import { erasureJob } from "./schemas.ts";
import { eraserDeps } from "./wiring.ts";

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Consumer of privacy-erasures. A record that throws (DynamoDB or KMS trouble) is delivered again and
 * resumes where the last attempt stopped; after maxReceiveCount it lands in the DLQ (alarmed), with
 * its receipt left "running" for an operator to requeue.
 */
async function handleRecord(record: SQSRecord): Promise<void> {
  const parsed = erasureJob.safeParse(safeJson(record.body));
  if (!parsed.success) {
    logger.error("privacy-eraser: unreadable record dropped", { sqsMessageId: record.messageId });
    return;
  }
  const outcome = await runErasure(parsed.data, eraserDeps());
  logger.info("erasure job handled", { erasureId: parsed.data.erasureId, outcome });
}

export const handler = (event: SQSEvent, context: Context): Promise<SQSBatchResponse> =>
  processPartialResponse(event, handleRecord, new BatchProcessor(EventType.SQS), {
    context,
    throwOnFullBatchFailure: false,
  });
