/**
 * A circuit breaker per carrier, per container. It opens on `consecutiveFailures` transient failures
 * in a row, or when at least `minSamples` of the last `window` submissions include an error share of
 * `errorRate` or more. While open, routing skips the carrier (the next ranked route takes its
 * traffic). After `openMs` it is half-open: submissions reach the carrier again as probes; the first
 * outcome closes it (success) or opens it again (failure).
 *
 * Only transient failures count: a carrier that refuses one message (permanent error) is up.
 */
export type BreakerState = "closed" | "open" | "half-open";

export interface BreakerOptions {
  readonly consecutiveFailures: number;
  readonly window: number;
  readonly minSamples: number;
  readonly errorRate: number;
  readonly openMs: number;
  readonly now: () => number;
}

export const DEFAULT_BREAKER_OPTIONS: BreakerOptions = {
  consecutiveFailures: 5,
  window: 50,
  minSamples: 20,
  errorRate: 0.5,
  openMs: 30_000,
  now: Date.now,
};

export class CircuitBreaker {
  private outcomes: boolean[] = [];
  private consecutive = 0;
  private openedAt: number | undefined;

  constructor(private readonly options: BreakerOptions = DEFAULT_BREAKER_OPTIONS) {}

  get state(): BreakerState {
    if (this.openedAt === undefined) return "closed";
    return this.options.now() - this.openedAt >= this.options.openMs ? "half-open" : "open";
  }

  /** False while open: route elsewhere. Half-open lets submissions through as probes. */
  allows(): boolean {
    return this.state !== "open";
  }

  /** How long until an open breaker turns half-open (lets probes through); 0 unless open. */
  reopensInMs(): number {
    if (this.openedAt === undefined) return 0;
    return Math.max(0, this.openedAt + this.options.openMs - this.options.now());
  }

  recordSuccess(): void {
    if (this.state === "half-open") this.reset();
    this.consecutive = 0;
    this.push(true);
  }

  recordFailure(): void {
    if (this.state === "half-open") {
      this.openedAt = this.options.now();
      return;
    }
    this.consecutive += 1;
    this.push(false);
    const failures = this.outcomes.filter((ok) => !ok).length;
    const rateTripped =
      this.outcomes.length >= this.options.minSamples &&
      failures / this.outcomes.length >= this.options.errorRate;
    if (this.consecutive >= this.options.consecutiveFailures || rateTripped)
      this.openedAt = this.options.now();
  }

  private push(ok: boolean): void {
    this.outcomes.push(ok);
    if (this.outcomes.length > this.options.window) this.outcomes.shift();
  }

  private reset(): void {
    this.openedAt = undefined;
    this.outcomes = [];
    this.consecutive = 0;
  }
}

/** One breaker per carrier id. */
export class CarrierBreakers {
  private readonly breakers = new Map<string, CircuitBreaker>();

  constructor(private readonly options: BreakerOptions = DEFAULT_BREAKER_OPTIONS) {}

  of(carrierId: string): CircuitBreaker {
    let breaker = this.breakers.get(carrierId);
    if (!breaker) {
      breaker = new CircuitBreaker(this.options);
      this.breakers.set(carrierId, breaker);
    }
    return breaker;
  }

  allows(carrierId: string): boolean {
    return this.breakers.get(carrierId)?.allows() ?? true;
  }

  reopensInMs(carrierId: string): number {
    return this.breakers.get(carrierId)?.reopensInMs() ?? 0;
  }
}
