import { logger } from "../shared/logger.ts";
import { sqsConsumer } from "../shared/sqs-consumer.ts";
import { runErasure } from "./erasure.ts";
import { erasureJob } from "./schemas.ts";
import { eraserDeps } from "./wiring.ts";

/**
 * Consumer of privacy-erasures. A record that throws (DynamoDB or KMS trouble) is delivered again and
 * resumes where the last attempt stopped; after maxReceiveCount it lands in the DLQ (alarmed), with
 * its receipt left "running" for an operator to requeue.
 */
export const handler = sqsConsumer("privacy-eraser", erasureJob, async (job) => {
  const outcome = await runErasure(job, eraserDeps());
  logger.info("erasure job handled", { erasureId: job.erasureId, outcome });
});
