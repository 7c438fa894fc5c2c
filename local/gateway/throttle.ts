/**
 * API Gateway-style throttling: token buckets refilled at `rateLimit` tokens/s holding at most
 * `burstLimit`. Buckets are per method (stage default or the route's override), per API key (usage
 * plan, keyed by the authorizer's usageIdentifierKey) and per account (region-wide ceiling).
 */
export interface ThrottleLimits {
  /** Steady-state requests per second. */
  readonly rateLimit: number;
  /** Requests allowed in a burst (bucket capacity). */
  readonly burstLimit: number;
}

export interface ThrottleConfig {
  /** Default method throttling of the stage. */
  readonly stage: ThrottleLimits;
  /** Usage plan applied to every API key (usageIdentifierKey). */
  readonly usagePlan: ThrottleLimits;
  /** Account-level ceiling shared by every method. */
  readonly account: ThrottleLimits;
}

/**
 * The deployed numbers (lib/textgate-stack.ts stageThrottle / perKeyThrottle; kept in step by hand,
 * the stack module pulls in CDK) and AWS's account default of 10 000 rps / 5 000 burst.
 */
export const defaultThrottle: ThrottleConfig = {
  stage: { rateLimit: 200, burstLimit: 400 },
  usagePlan: { rateLimit: 50, burstLimit: 100 },
  account: { rateLimit: 10_000, burstLimit: 5_000 },
};

class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly limits: ThrottleLimits,
    private readonly now: () => number,
  ) {
    this.tokens = limits.burstLimit;
    this.updatedAt = now();
  }

  /** Takes one token; returns 0 when allowed, else the seconds until one is available. */
  take(): number {
    const now = this.now();
    const elapsed = (now - this.updatedAt) / 1000;
    this.updatedAt = now;
    this.tokens = Math.min(this.limits.burstLimit, this.tokens + elapsed * this.limits.rateLimit);
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    if (this.limits.rateLimit <= 0) return 60;
    return (1 - this.tokens) / this.limits.rateLimit;
  }
}

export class Throttler {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly config: ThrottleConfig = defaultThrottle,
    private readonly now: () => number = Date.now,
  ) {}

  private bucket(key: string, limits: ThrottleLimits): TokenBucket {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = new TokenBucket(limits, this.now);
      this.buckets.set(key, bucket);
    }
    return bucket;
  }

  /** Method-level check (before the authorizer); returns seconds to wait, 0 when allowed. */
  takeMethod(methodKey: string, override?: ThrottleLimits): number {
    const account = this.bucket("account", this.config.account).take();
    if (account > 0) return account;
    return this.bucket(`method:${methodKey}`, override ?? this.config.stage).take();
  }

  /** Usage-plan check for an API key (after the authorizer named it). */
  takeApiKey(usageIdentifierKey: string): number {
    return this.bucket(`key:${usageIdentifierKey}`, this.config.usagePlan).take();
  }
}
