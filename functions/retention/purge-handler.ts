/**
 * Scheduled hourly (catalogue schedule "retention-purge-hourly"; EventBridge on AWS,
 * local/schedules.ts offline). Each run resumes the purge cycle where the previous one stopped.
 */
import type { Context, ScheduledEvent } from "aws-lambda";
import { dynamoAuditLog } from "../audit/store.ts";
import { systemClock } from "../shared/clock.ts";
import { logger } from "../shared/logger.ts";
import { type PurgeDeps, type PurgeReport, runPurge } from "./purge.ts";
import { dynamoPurgeStore } from "./purge-store.ts";

/**
 * 20,000 items a run: well inside the 5-minute timeout on DynamoDB's 1 MB scan pages (a slow page
 * takes ~100 ms), and small enough that a run never takes a noticeable share of the table's reads.
 */
const SCAN_BUDGET = 20_000;
const PAGE_SIZE = 500;

/** Builds the handler; tests pass their own clock and scope, production the system's. */
export function purgeHandler(overrides: Partial<PurgeDeps> = {}) {
  return async (_event: Partial<ScheduledEvent> | undefined, context?: Context): Promise<PurgeReport> => {
    if (context) logger.addContext(context);
    const clock = overrides.clock ?? systemClock;
    const report = await runPurge({
      // A store per run: its account cache must not outlive the run (settings change).
      store: dynamoPurgeStore(),
      audit: dynamoAuditLog(clock),
      scanBudget: SCAN_BUDGET,
      pageSize: PAGE_SIZE,
      ...overrides,
      clock,
    });
    logger.info("retention purge run", { ...report });
    return report;
  };
}

export const handler = purgeHandler();
