import { LATENCY_BUCKETS_SECONDS, type QualityBucket, readQualityBuckets } from "./quality/stats-store.ts";

/**
 * The quality report per carrier (issue 10 §5): delivery rate, time-to-DLR percentiles, error codes
 * and TLS share over the last 24 h and 7 d, in total, per destination country and per matched route
 * prefix, from the hourly counters of quality/stats-store.ts.
 * Rates are null when nothing was measured (no traffic is not 0 % delivered).
 */
export interface QualityFigures {
  readonly submitted: number;
  readonly submitFailed: number;
  /** submitted / (submitted + submitFailed). */
  readonly submitSuccessRate: number | null;
  readonly delivered: number;
  readonly notDelivered: number;
  /** delivered / (delivered + notDelivered): of the messages whose final report arrived. */
  readonly deliveryRate: number | null;
  /** Upper bound (seconds) of the histogram bucket holding the percentile; null without reports. */
  readonly timeToDlrSeconds: { readonly p50: number | null; readonly p95: number | null };
  readonly errorCodes: Readonly<Record<string, number>>;
  /** Share of accepted submissions that went over TLS. */
  readonly tlsShare: number | null;
  /** The same figures per destination country. */
  readonly byCountry?: Readonly<Record<string, PlainFigures>>;
  /** The same figures per matched route prefix ("+49176"; "*" = catch-all or not recorded). */
  readonly byPrefix?: Readonly<Record<string, PlainFigures>>;
}

export type PlainFigures = Omit<QualityFigures, "byCountry" | "byPrefix">;

export interface CarrierQualityReport {
  readonly carrierId: string;
  readonly generatedAt: string;
  readonly last24h: QualityFigures;
  readonly last7d: QualityFigures;
}

export interface QualityReportDeps {
  readonly buckets: (carrierId: string, since: Date, now: Date) => Promise<QualityBucket[]>;
  readonly now: () => Date;
}

export const dynamoQualityReportDeps = (): QualityReportDeps => ({
  buckets: readQualityBuckets,
  now: () => new Date(),
});

const ratio = (part: number, whole: number): number | null => (whole > 0 ? part / whole : null);

export function percentileSeconds(histogram: readonly number[], fraction: number): number | null {
  const total = histogram.reduce((sum, count) => sum + count, 0);
  if (total === 0) return null;
  const rank = Math.ceil(total * fraction);
  let seen = 0;
  for (const [index, count] of histogram.entries()) {
    seen += count;
    if (seen >= rank) return LATENCY_BUCKETS_SECONDS[index] ?? null;
  }
  return null;
}

export function summarise(buckets: readonly QualityBucket[]): PlainFigures {
  const sum = (name: string) => buckets.reduce((total, bucket) => total + (bucket.counters[name] ?? 0), 0);
  const histogram = LATENCY_BUCKETS_SECONDS.map((_, index) => sum(`lat${index}`));
  const errorCodes: Record<string, number> = {};
  for (const bucket of buckets) {
    for (const [name, count] of Object.entries(bucket.counters)) {
      if (name.startsWith("err_")) errorCodes[name.slice(4)] = (errorCodes[name.slice(4)] ?? 0) + count;
    }
  }
  const submitted = sum("submitted");
  const submitFailed = sum("submitFailed");
  const delivered = sum("delivered");
  const notDelivered = sum("notDelivered");
  return {
    submitted,
    submitFailed,
    submitSuccessRate: ratio(submitted, submitted + submitFailed),
    delivered,
    notDelivered,
    deliveryRate: ratio(delivered, delivered + notDelivered),
    timeToDlrSeconds: { p50: percentileSeconds(histogram, 0.5), p95: percentileSeconds(histogram, 0.95) },
    errorCodes,
    tlsShare: ratio(sum("submittedTls"), submitted),
  };
}

function groupedBy(
  buckets: readonly QualityBucket[],
  keyOf: (bucket: QualityBucket) => string,
): Record<string, PlainFigures> {
  const keys = [...new Set(buckets.map(keyOf))].sort();
  return Object.fromEntries(
    keys.map((key) => [key, summarise(buckets.filter((bucket) => keyOf(bucket) === key))]),
  );
}

function figures(buckets: readonly QualityBucket[]): QualityFigures {
  return {
    ...summarise(buckets),
    byCountry: groupedBy(buckets, (bucket) => bucket.country),
    byPrefix: groupedBy(buckets, (bucket) => bucket.prefix),
  };
}

/** The report of one carrier (one Query over its last 7 days of hourly items). */
export async function carrierQualityReport(
  carrierId: string,
  deps: QualityReportDeps = dynamoQualityReportDeps(),
): Promise<CarrierQualityReport> {
  const now = deps.now();
  const dayAgo = new Date(now.getTime() - 24 * 3_600_000);
  const buckets = await deps.buckets(carrierId, new Date(now.getTime() - 7 * 24 * 3_600_000), now);
  // The hour 24 h ago is partly inside the window: counted whole (hourly precision).
  const recent = buckets.filter((bucket) => bucket.hour >= dayAgo.toISOString().slice(0, 13));
  return {
    carrierId,
    generatedAt: now.toISOString(),
    last24h: figures(recent),
    last7d: figures(buckets),
  };
}

/** Every registered carrier's report, for the operator plane (needs read of accounts and carrier-quality). */
export async function allCarrierQualityReports(
  deps: QualityReportDeps = dynamoQualityReportDeps(),
): Promise<CarrierQualityReport[]> {
  const { listCarrierRoutes } = await import("./store.ts");
  const routes = await listCarrierRoutes();
  return Promise.all(routes.map((route) => carrierQualityReport(route.carrierId, deps)));
}
