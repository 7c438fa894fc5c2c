import type { VerificationNamespace } from "./limits.ts";

/**
 * Fraud guard against SMS pumping (toll fraud): pure decisions over window counters.
 *
 * Pumping sends codes to number blocks whose revenue the fraudster shares; nobody ever enters those
 * codes. So the signal is sends that are never followed by an approval. Per account we count, per
 * number prefix and per country, sends and approvals in fixed windows and read them as a sliding
 * window (previous window weighted by how much of it still overlaps). When a prefix or country has
 * at least `minSends` recent sends and fewer than `minConversion` of them were approved, new starts
 * to it are blocked until approvals catch up or the window slides past the burst.
 *
 * Counting per account (not platform-wide) keeps one customer's attack from blocking another
 * customer's users, and lets the account's own conversion show in the metrics.
 */
export interface VelocityCounts {
  readonly sends: number;
  readonly approvals: number;
}

export interface FraudSnapshot {
  readonly prefix: VelocityCounts;
  readonly country: VelocityCounts;
  /** Seconds until the current counting window ends (Retry-After for a block). */
  readonly retryAfterSeconds: number;
}

export interface ScopeThresholds {
  /** No decision below this many recent sends: too little data, and legit bursts start small. */
  readonly minSends: number;
  /** Block while approvals / sends is below this. */
  readonly minConversion: number;
}

export interface FraudPolicy {
  readonly windowSeconds: number;
  readonly prefix: ScopeThresholds;
  readonly country: ScopeThresholds;
  /** Conversion (approved / sent) below which the alert metric fires, once `minSends` is reached. */
  readonly alert: ScopeThresholds;
}

/**
 * Defaults. Legit OTP traffic converts at 60–90 %; codes in flight (sent, not yet typed) pull the
 * live ratio down for a minute or two, hence generous floors: a prefix (a block of ~10 000 numbers)
 * needs 20 sends in the last hour with under 20 % approved before it is blocked; a whole country
 * needs 200 sends with under 10 % approved. The alert fires earlier (below 50 %) so an operator
 * looks before the block bites.
 */
export const defaultFraudPolicy: FraudPolicy = {
  windowSeconds: 3600,
  prefix: { minSends: 20, minConversion: 0.2 },
  country: { minSends: 200, minConversion: 0.1 },
  alert: { minSends: 20, minConversion: 0.5 },
};

export type FraudDecision =
  | { readonly blocked: false }
  | { readonly blocked: true; readonly scope: "prefix" | "country"; readonly retryAfterSeconds: number };

export const conversionRate = (counts: VelocityCounts): number | undefined =>
  counts.sends > 0 ? Math.min(1, counts.approvals / counts.sends) : undefined;

const exceeds = (counts: VelocityCounts, limits: ScopeThresholds): boolean =>
  counts.sends >= limits.minSends && counts.approvals < limits.minConversion * counts.sends;

/** Decides whether one more send to this prefix/country is allowed, given the counts before it. */
export function evaluateFraud(snapshot: FraudSnapshot, policy: FraudPolicy): FraudDecision {
  if (exceeds(snapshot.prefix, policy.prefix)) {
    return { blocked: true, scope: "prefix", retryAfterSeconds: snapshot.retryAfterSeconds };
  }
  if (exceeds(snapshot.country, policy.country)) {
    return { blocked: true, scope: "country", retryAfterSeconds: snapshot.retryAfterSeconds };
  }
  return { blocked: false };
}

/** Whether the conversion of these counts should raise the alert metric. */
export const conversionIsLow = (counts: VelocityCounts, policy: FraudPolicy): boolean =>
  exceeds(counts, policy.alert);

/** Country allow-list; an empty list allows nothing (an account must name where it sends). */
export const isCountryAllowed = (country: string, allowed: readonly string[]): boolean =>
  allowed.some((code) => code.toUpperCase() === country.toUpperCase());

/**
 * Sliding-window estimate from two fixed windows: all of the current one plus the part of the
 * previous one that still lies within `windowSeconds` of now.
 */
export function slidingCount(previous: number, current: number, elapsedFraction: number): number {
  const weight = Math.max(0, Math.min(1, 1 - elapsedFraction));
  return current + previous * weight;
}

export interface FraudSubject {
  /** Dashboard 2FA codes have counters of their own: a tenant's pumping never blocks a login code. */
  readonly namespace: VerificationNamespace;
  readonly accountId: string;
  readonly country: string;
  readonly prefix: string;
}

/**
 * The counts as they were before one send that is already included in `snapshot`. Used after an
 * atomic reservation: concurrent starts each get a distinct count, so a parallel burst cannot
 * slip past the guard by all reading the same "before" value.
 */
export function withoutOneSend(snapshot: FraudSnapshot): FraudSnapshot {
  const less = (counts: VelocityCounts): VelocityCounts => ({
    sends: Math.max(0, counts.sends - 1),
    approvals: counts.approvals,
  });
  return { ...snapshot, prefix: less(snapshot.prefix), country: less(snapshot.country) };
}

/** Counter storage for the guard (DynamoDB in fraud-store.ts). */
export interface FraudCounters {
  read(subject: FraudSubject, now: Date): Promise<FraudSnapshot>;
  /** Counts one send atomically and returns the counts including it. */
  reserveSend(subject: FraudSubject, now: Date): Promise<FraudSnapshot>;
  /** Takes back a reservation whose SMS was not sent (blocked, refused or failed). */
  releaseSend(subject: FraudSubject, now: Date): Promise<void>;
  recordApproval(subject: FraudSubject, now: Date): Promise<void>;
}
