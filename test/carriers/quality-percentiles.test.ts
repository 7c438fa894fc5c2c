import { describe, expect, it } from "vitest";
import { LATENCY_BUCKETS_SECONDS, latencyBucket } from "../../functions/carriers/quality/stats-store.ts";
import { percentileSeconds, summarise } from "../../functions/carriers/quality-report.ts";

/** Time to DLR from the fixed-bucket histogram: p50/p95 to bucket precision, null without reports. */
describe("time-to-DLR percentiles", () => {
  it("puts a latency in the first bucket whose upper bound holds it, the last one beyond", () => {
    expect(latencyBucket(0.3)).toBe(0);
    expect(latencyBucket(1)).toBe(0);
    expect(latencyBucket(1.01)).toBe(1);
    expect(latencyBucket(45)).toBe(LATENCY_BUCKETS_SECONDS.indexOf(60));
    expect(latencyBucket(10 ** 7)).toBe(LATENCY_BUCKETS_SECONDS.length - 1);
  });

  it("answers the upper bound of the bucket holding the rank", () => {
    const histogram = LATENCY_BUCKETS_SECONDS.map(() => 0);
    // 90 reports within 2 s, 10 within 60 s: p50 is 2 s, p95 is 60 s.
    histogram[1] = 90;
    histogram[LATENCY_BUCKETS_SECONDS.indexOf(60)] = 10;
    expect(percentileSeconds(histogram, 0.5)).toBe(2);
    expect(percentileSeconds(histogram, 0.95)).toBe(60);
    expect(
      percentileSeconds(
        LATENCY_BUCKETS_SECONDS.map(() => 0),
        0.5,
      ),
    ).toBeNull();
  });

  it("sums hourly buckets across countries and hours; rates are null without traffic", () => {
    const figures = summarise([
      {
        country: "EE",
        prefix: "+372",
        hour: "2026-12-01T00",
        counters: { submitted: 3, submittedTls: 3, delivered: 2, lat0: 2 },
      },
      {
        country: "LV",
        prefix: "+371",
        hour: "2026-12-01T01",
        counters: {
          submitted: 1,
          submitFailed: 1,
          notDelivered: 1,
          "err_smpp-UNDELIV": 1,
          err_throttled: 1,
          lat3: 1,
        },
      },
    ]);
    expect(figures).toMatchObject({
      submitted: 4,
      submitSuccessRate: 0.8,
      deliveryRate: 2 / 3,
      tlsShare: 0.75,
      errorCodes: { "smpp-UNDELIV": 1, throttled: 1 },
      timeToDlrSeconds: { p50: 1, p95: 10 },
    });
    expect(summarise([])).toMatchObject({ submitSuccessRate: null, deliveryRate: null, tlsShare: null });
  });
});
