/**
 * Flow control of one carrier: a window of outstanding submit_sm (the SMSC's agreed maximum of
 * unanswered requests) and a rate limit counted in segments — every part is one submit_sm and one
 * billed SMS at the carrier, so the carrier's TPS applies to parts, not to our messages.
 */

/** A counting semaphore: acquire() resolves once fewer than `size` slots are taken. */
export class Window {
  private taken = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new Error("window size must be a positive integer");
  }

  get outstanding(): number {
    return this.taken;
  }

  acquire(): Promise<void> {
    if (this.taken < this.size) {
      this.taken += 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    // The slot passes straight to the next waiter, so `taken` never dips under a queue of waiters.
    if (next) next();
    else if (this.taken > 0) this.taken -= 1;
  }
}

export interface RateClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realRateClock: RateClock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * Token bucket of `perSecond` segments with a burst of one second's worth. take() waits until a
 * segment may go; concurrent takers are served in order (each reserves its token before it sleeps,
 * so the limit holds under any concurrency).
 */
export class SegmentRateLimiter {
  private tokens: number;
  private updatedAt: number;
  private readonly burst: number;

  constructor(
    readonly perSecond: number,
    private readonly clock: RateClock = realRateClock,
  ) {
    if (!(perSecond > 0)) throw new Error("rate must be positive");
    this.burst = Math.max(1, perSecond);
    this.tokens = this.burst;
    this.updatedAt = clock.now();
  }

  async take(segments = 1): Promise<void> {
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.updatedAt) / 1000) * this.perSecond);
    this.updatedAt = now;
    // Reserve first (may go negative): later callers wait behind this one's debt.
    this.tokens -= segments;
    if (this.tokens >= 0) return;
    await this.clock.sleep((-this.tokens / this.perSecond) * 1000);
  }
}

/** Exponential back-off with full jitter (AWS architecture blog), capped. `random` in [0, 1). */
export function backoffMs(
  attempt: number,
  options: { baseMs: number; capMs: number },
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(options.capMs, options.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}
