import { describe, expect, it } from "vitest";
import type { CarrierRoute } from "../../functions/carriers/model.ts";
import {
  type DeferralDeps,
  deferralDelaySeconds,
  MAX_DELAY_SECONDS,
} from "../../functions/dispatch/deferral.ts";

/** How long a copy of a record waits for a carrier's breaker. Pure: TEXTGATE_TEST_PLATFORM=0. */
const nowMs = Date.now();
const route = (carrierId: string): CarrierRoute => ({
  carrierId,
  name: carrierId,
  protocol: "http",
  baseUrl: `https://${carrierId}.example`,
  tls: true,
  prefixes: ["+372"],
  priority: 1,
  weight: 1,
  enabled: true,
});

function deps(reopensInMs: Record<string, number>, jitterShare = 0): DeferralDeps {
  return {
    clock: { now: () => new Date(nowMs) },
    routes: async () => Object.keys(reopensInMs).map(route),
    carrierReopensInMs: (carrierId) => reopensInMs[carrierId] ?? 0,
    random: () => jitterShare,
  };
}

const validFor = (seconds: number) => ({ validUntil: new Date(nowMs + seconds * 1000).toISOString() });

describe("deferralDelaySeconds", () => {
  it("waits until the first blocked carrier lets probes through", () => {
    const delay = deferralDelaySeconds(
      validFor(3600),
      [route("a"), route("b")],
      deps({ a: 20_400, b: 9_100 }),
    );
    expect(delay).toBe(10);
  });

  it("adds up to 5 s of jitter so the copies of one outage do not all arrive at once", () => {
    const delay = deferralDelaySeconds(validFor(3600), [route("a")], deps({ a: 10_000 }, 0.99));
    expect(delay).toBe(15);
  });

  it("never waits past the message's validity: the copy arrives just after it, to expire it", () => {
    const delay = deferralDelaySeconds(validFor(4), [route("a")], deps({ a: 30_000 }));
    expect(delay).toBe(5);
  });

  it("stays within SQS's DelaySeconds range", () => {
    expect(deferralDelaySeconds(validFor(86_400), [route("a")], deps({ a: 3_600_000 }))).toBe(
      MAX_DELAY_SECONDS,
    );
    expect(deferralDelaySeconds(validFor(86_400), [route("a")], deps({ a: 0 }))).toBe(1);
  });
});
