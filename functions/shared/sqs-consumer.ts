import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import type * as z from "zod";
import { logger } from "./logger.ts";

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * An SQS consumer whose records carry one JSON shape: records are handled in parallel, a record
 * whose handler throws is reported in batchItemFailures (ReportBatchItemFailures) so only it comes
 * back (and reaches the DLQ after maxReceiveCount), and a body that can never be read is
 * acknowledged with an error log instead of looping. A processor per invocation: it holds the
 * batch's state, and the local platform may run several invocations of a module at once.
 */
export function sqsConsumer<Schema extends z.ZodType>(
  name: string,
  schema: Schema,
  handle: (body: z.infer<Schema>, record: SQSRecord) => Promise<void>,
): (event: SQSEvent, context: Context) => Promise<SQSBatchResponse> {
  const handleRecord = async (record: SQSRecord): Promise<void> => {
    const parsed = schema.safeParse(safeJson(record.body));
    if (!parsed.success) {
      logger.error(`${name}: unreadable record dropped`, { sqsMessageId: record.messageId });
      return;
    }
    await handle(parsed.data, record);
  };
  return async (event, context) =>
    processPartialResponse(event, handleRecord, new BatchProcessor(EventType.SQS), {
      context,
      throwOnFullBatchFailure: false,
    });
}
