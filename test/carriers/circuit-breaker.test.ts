import { describe, expect, it } from "vitest";
import { carrierBreakers, withBreaker } from "../../functions/carriers/adapters.ts";
import { type BreakerOptions, CircuitBreaker } from "../../functions/carriers/breaker.ts";
import {
  type CarrierAdapter,
  PermanentCarrierError,
  type Submission,
  TransientCarrierError,
} from "../../functions/carriers/model.ts";

/** Circuit breaker per carrier. Pure: TEXTGATE_TEST_PLATFORM=0. */
let nowMs = 0;
const options: BreakerOptions = {
  consecutiveFailures: 3,
  window: 10,
  minSamples: 6,
  errorRate: 0.5,
  openMs: 1000,
  now: () => nowMs,
};

describe("CircuitBreaker", () => {
  it("tells how long until an open breaker lets probes through, and 0 when it is not open", () => {
    const breaker = new CircuitBreaker(options);
    expect(breaker.reopensInMs()).toBe(0);
    for (let failure = 0; failure < options.consecutiveFailures; failure += 1) breaker.recordFailure();
    expect(breaker.reopensInMs()).toBe(options.openMs);
    nowMs += 400;
    expect(breaker.reopensInMs()).toBe(options.openMs - 400);
    nowMs += options.openMs;
    expect(breaker.state).toBe("half-open");
    expect(breaker.reopensInMs()).toBe(0);
  });

  it("opens on consecutive transient failures, half-opens after openMs, closes on a successful probe", () => {
    const breaker = new CircuitBreaker(options);
    breaker.recordFailure();
    breaker.recordFailure();
    expect(breaker.state).toBe("closed");
    breaker.recordFailure();
    expect(breaker.state).toBe("open");
    expect(breaker.allows()).toBe(false);
    nowMs += 1000;
    expect(breaker.state).toBe("half-open");
    expect(breaker.allows()).toBe(true);
    breaker.recordSuccess();
    expect(breaker.state).toBe("closed");
  });

  it("a failed probe opens it again for another openMs", () => {
    const breaker = new CircuitBreaker(options);
    for (let i = 0; i < 3; i++) breaker.recordFailure();
    nowMs += 1000;
    breaker.recordFailure();
    expect(breaker.state).toBe("open");
    nowMs += 999;
    expect(breaker.state).toBe("open");
    nowMs += 1;
    expect(breaker.state).toBe("half-open");
  });

  it("opens on the error rate over the window even without a streak", () => {
    const breaker = new CircuitBreaker(options);
    // fail, ok, fail, ok, fail, ok: 50% over 6 samples, never 3 in a row.
    for (let i = 0; i < 6; i++) {
      if (i % 2 === 0) breaker.recordFailure();
      else breaker.recordSuccess();
      if (i < 5) expect(breaker.state).toBe("closed");
    }
    breaker.recordFailure();
    expect(breaker.state).toBe("open");
  });
});

describe("withBreaker", () => {
  const submission: Submission = {
    reference: "msg_x",
    from: "T",
    to: "+37256123457",
    text: "x",
    encoding: "GSM-7",
  };
  const failing = (error: Error): CarrierAdapter => ({
    submit: async () => {
      throw error;
    },
    lookup: async () => ({ outcome: "not-received" }) as const,
  });

  it("counts transient failures and not refusals of single messages", async () => {
    const refused = withBreaker(
      failing(new PermanentCarrierError("x", "bad number")),
      carrierBreakers.of("refuses"),
    );
    for (let i = 0; i < 10; i++) await refused.submit(submission).catch(() => undefined);
    expect(carrierBreakers.allows("refuses")).toBe(true);
    const down = withBreaker(failing(new TransientCarrierError("503")), carrierBreakers.of("down"));
    for (let i = 0; i < 5; i++) await down.submit(submission).catch(() => undefined);
    expect(carrierBreakers.allows("down")).toBe(false);
    expect(carrierBreakers.allows("never-seen")).toBe(true);
  });
});
