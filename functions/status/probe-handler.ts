/**
 * Scheduled every minute (EventBridge on AWS, local/schedules.ts offline). The minute recorded is
 * the schedule's own time, so Lambda's retries of one event record the same minute (once).
 */
import type { Context, ScheduledEvent } from "aws-lambda";
import { systemClock } from "../shared/clock.ts";
import { logger } from "../shared/logger.ts";
import { awsCheckerWith } from "./checks.ts";
import { emitDeliveryMetrics } from "./delivery-metrics.ts";
import { epochMinute } from "./model.ts";
import { type ProbeRunResult, runProbes } from "./probe.ts";
import { dynamoProbeStore } from "./store.ts";

const store = dynamoProbeStore(systemClock);

function scheduledMinute(event: Partial<ScheduledEvent> | undefined): number {
  const at = event?.time ? new Date(event.time) : systemClock.now();
  return epochMinute(Number.isNaN(at.getTime()) ? systemClock.now() : at);
}

export const handler = async (
  event: Partial<ScheduledEvent> | undefined,
  context?: Context,
): Promise<ProbeRunResult> => {
  if (context) logger.addContext(context);
  const result = await runProbes(
    { minute: scheduledMinute(event) },
    {
      store,
      check: awsCheckerWith((assessment) => emitDeliveryMetrics(assessment)),
      onCheckFailed: (component, error) =>
        logger.warn("status probe failed", { component, error: error as Error }),
    },
  );
  logger.info("status probes recorded", { ...result });
  return result;
};
