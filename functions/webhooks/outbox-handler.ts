/**
 * Scheduled every minute (EventBridge on AWS, local/schedules.ts offline): the webhook outbox
 * sweeper (functions/webhooks/outbox-sweeper.ts). A run that overlaps the next one is harmless:
 * every write is conditional and a repeated publish keeps its event id.
 */
import type { Context } from "aws-lambda";
import { systemClock } from "../shared/clock.ts";
import { logger } from "../shared/logger.ts";
import { dynamoVerificationStore } from "../verify/store.ts";
import { dynamoOutbox } from "./outbox.ts";
import { type SweepDeps, type SweepResult, sweepOutbox } from "./outbox-sweeper.ts";
import { sqsWebhookPublisher } from "./publish.ts";

let deps: SweepDeps | undefined;

export const handler = async (_event: unknown, context?: Context): Promise<SweepResult> => {
  if (context) logger.addContext(context);
  const verifications = dynamoVerificationStore();
  deps ??= {
    clock: systemClock,
    outbox: dynamoOutbox(),
    publisher: sqsWebhookPublisher(),
    expireVerification: (id, nowSeconds, at) => verifications.expire(id, nowSeconds, at),
  };
  const result = await sweepOutbox(deps);
  if (result.expired + result.published + result.failed > 0)
    logger.info("webhook outbox swept", { ...result });
  return result;
};
