import type { Clock } from "../shared/clock.ts";
import { DomainError } from "../shared/problem.ts";
import { dynamoRateLimiter, type RateLimiter } from "../shared/rate-limit.ts";

/**
 * The operator-set `limits.messagesPerDay` of an account, per UTC day, on the shared fixed-window
 * counters (functions/shared/rate-limit.ts: one atomic ADD in the ephemeral table, then the check).
 * Reserve-then-check means parallel sends count exactly like sequential ones: the n-th reservation
 * sees n whatever the interleaving, so at most `limit` are ever allowed.
 *
 * A refused reservation is given back at once, and so is an allowed one whose message was never
 * stored (an error, or the Idempotency-Key turned out to be bound already): the counter holds the
 * accepted messages, so an operator who raises the limit mid-day grants exactly the difference.
 */
export interface DailyMessageQuota {
  /** Takes one of today's messages; 429 daily-limit-reached when none is left. Returns the undo. */
  reserve(accountId: string, messagesPerDay: number): Promise<QuotaReservation>;
}

export interface QuotaReservation {
  /** Gives the reservation back (the message was not accepted after all). */
  release(): Promise<void>;
}

const DAY_SECONDS = 24 * 3600;
const ruleFor = (messagesPerDay: number) => ({
  name: "messages-per-day",
  limit: messagesPerDay,
  windowSeconds: DAY_SECONDS,
});

export function dailyMessageQuota(limiter: RateLimiter): DailyMessageQuota {
  return {
    async reserve(accountId, messagesPerDay) {
      const rule = ruleFor(messagesPerDay);
      const decision = await limiter.hit(rule, accountId);
      const release = async () => {
        await limiter.hit(rule, accountId, -1);
      };
      if (!decision.allowed) {
        await release();
        throw new DomainError(
          "daily-limit-reached",
          `This account may send ${messagesPerDay} messages per day (UTC); the limit is reached`,
          { limit: messagesPerDay, retryAfter: decision.retryAfterSeconds },
          { "Retry-After": String(decision.retryAfterSeconds) },
        );
      }
      return { release };
    },
  };
}

export const dynamoDailyMessageQuota = (clock: Clock): DailyMessageQuota =>
  dailyMessageQuota(dynamoRateLimiter(clock));
