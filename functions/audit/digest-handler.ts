import type { ScheduledEvent } from "aws-lambda";
import { tokenSigner } from "../identity/signing.ts";
import { systemClock } from "../shared/clock.ts";
import { logger } from "../shared/logger.ts";
import { previousUtcDay, signDailyDigests } from "./digest.ts";

/** Hourly: signs yesterday's digests once (docs/audit.md, "Signed daily digests"). */
export const handler = async (_event: ScheduledEvent) => {
  const date = previousUtcDay(systemClock.now());
  const result = await signDailyDigests(date, { clock: systemClock, signer: tokenSigner() });
  logger.info("audit digests", { date, ...result });
  return { date, ...result };
};
