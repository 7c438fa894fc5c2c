import type { CarrierRoute } from "../carriers/model.ts";
import type { StoredMessage } from "../messages/model.ts";
import type { QueuedMessageRecord } from "../messages/views.ts";
import type { Clock } from "../shared/clock.ts";
import { logger } from "../shared/logger.ts";

/**
 * Waiting out a carrier outage without spending the message's SQS receives. With every carrier for a
 * destination behind an open circuit breaker, retrying the record (batch item failure) costs one
 * receive per visibility timeout, and maxReceiveCount of them dead-letter the message: a few minutes
 * of outage would become lost customer messages. Instead the dispatcher puts a new copy of the
 * record on the same queue, delayed until the breaker lets probes through, and reports the original
 * as handled. The new SQS message starts with a fresh receive count.
 *
 * Exactly-once is untouched: a copy carries only the message id, and every submission goes through
 * the conditional claim on the message item, so two records of one message (a copy and an original
 * whose delete was lost) never submit twice.
 *
 * The wait is bounded by the message's own validity: the delay never reaches past validUntil, and the
 * copy delivered after it expires the message as any late record does. `deferrals` in the record
 * counts the copies; MAX_DEFERRALS only stops a runaway loop, validity is what ends a real wait.
 */

/** SQS's largest DelaySeconds. */
export const MAX_DELAY_SECONDS = 900;

/**
 * More than the longest validity (72 h, functions/messages/schemas.ts) over the breaker's open time
 * (30 s) = 8,640, so a message always reaches its validity first.
 */
export const MAX_DEFERRALS = 10_000;

/** Spreads the copies of one outage over a few seconds, so a recovering carrier is not hit by all at once. */
const MAX_JITTER_MS = 5_000;

/** Used when the breaker cannot say when it reopens (no carrierReopensInMs port). */
const DEFAULT_WAIT_MS = 30_000;

export interface DeferralDeps {
  readonly clock: Clock;
  readonly routes: () => Promise<readonly CarrierRoute[]>;
  readonly carrierAvailable?: (carrierId: string) => boolean;
  /** How long until a carrier's open breaker lets probes through again (0 when it is not open). */
  readonly carrierReopensInMs?: (carrierId: string) => number;
  /** Puts a record on the queue it came from, delivered after delaySeconds as a new SQS message. */
  readonly deferRecord?: (record: QueuedMessageRecord, delaySeconds: number) => Promise<void>;
  /** [0, 1): the jitter's share; injectable for tests. */
  readonly random?: () => number;
}

/**
 * Seconds until the first of the blocked carriers reopens (plus jitter), never past the message's
 * validity (one second after it, so the copy finds it expired), within SQS's 1..900.
 */
export function deferralDelaySeconds(
  message: Pick<StoredMessage, "validUntil">,
  blockedRoutes: readonly CarrierRoute[],
  deps: DeferralDeps,
): number {
  const reopenMs = Math.min(
    ...blockedRoutes.map((route) => deps.carrierReopensInMs?.(route.carrierId) ?? DEFAULT_WAIT_MS),
  );
  const jitterMs = Math.floor((deps.random ?? Math.random)() * MAX_JITTER_MS);
  const untilInvalidMs = Date.parse(message.validUntil) - deps.clock.now().getTime() + 1000;
  const waitMs = Math.min(Number.isFinite(reopenMs) ? reopenMs : DEFAULT_WAIT_MS, untilInvalidMs) + jitterMs;
  return Math.min(MAX_DELAY_SECONDS, Math.max(1, Math.ceil(waitMs / 1000)));
}

/**
 * Puts a delayed copy of the record back (deferrals = copies so far, 0 on the original). False when
 * there is no queue port or the copy limit is reached: the caller retries the record as before.
 */
export async function deferUntilCarrierRecovers(
  message: Pick<StoredMessage, "id" | "validUntil">,
  deferrals: number,
  deps: DeferralDeps,
): Promise<boolean> {
  if (!deps.deferRecord || deferrals >= MAX_DEFERRALS) return false;
  const blocked = (await deps.routes()).filter((route) => deps.carrierAvailable?.(route.carrierId) === false);
  const delaySeconds = deferralDelaySeconds(message, blocked, deps);
  await deps.deferRecord({ v: 1, messageId: message.id, deferrals: deferrals + 1 }, delaySeconds);
  logger.info("dispatch deferred until a carrier recovers", {
    messageId: message.id,
    delaySeconds,
    deferrals: deferrals + 1,
  });
  return true;
}
