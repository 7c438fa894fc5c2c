import { describe, expect, it } from "vitest";
import { type LoadSample, percentile, runOpenLoop, summarizeLoad } from "../../tools/quality/open-loop.ts";

const answered = (status: number, latencyMs: number, answeredAtMs: number): LoadSample => ({
  status,
  latencyMs,
  sendLagMs: 0,
  answeredAtMs,
});

describe("the load tool's figures (npm run load)", () => {
  it("takes nearest-rank percentiles over the values themselves", () => {
    const values = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6];
    expect(percentile(values, 50)).toBe(5);
    expect(percentile(values, 90)).toBe(9);
    expect(percentile(values, 99)).toBe(10);
    expect(percentile([], 50)).toBeNaN();
  });

  it("counts each accepted request once: one slow answer does not move the median (autocannon 9 added a sample per millisecond of it)", () => {
    const samples = [
      ...Array.from({ length: 99 }, (_, i) => answered(202, 20, 10 * (i + 1))),
      answered(202, 7000, 7000),
    ];
    const summary = summarizeLoad({ samples, dropped: 0, elapsedMs: 7000 }, 100);
    expect(summary.latencyMs.p50).toBe(20);
    expect(summary.latencyMs.p99).toBe(20);
    expect(summary.latencyMs.max).toBe(7000);
  });

  it("reports the rate of accepted answers up to the last answer, not the rate offered", () => {
    const samples = [
      ...Array.from({ length: 50 }, (_, i) => answered(202, 100, 20 * (i + 1))),
      ...Array.from({ length: 10 }, () => answered(429, 5, 500)),
      answered(0, 30_000, 2000),
    ];
    const summary = summarizeLoad({ samples, dropped: 4, elapsedMs: 2000 }, 100);
    expect(summary.sent).toBe(61);
    expect(summary.dropped).toBe(4);
    expect(summary.achievedRate).toBe(25);
    expect(summary.byStatus).toEqual({ "202": 50, "429": 10, "no answer": 1 });
    expect(summary.noAnswer).toBe(1);
  });

  it("keeps sending on schedule while earlier requests wait for their answers (open loop)", async () => {
    const total = 20;
    let started = 0;
    let releaseAll: () => void = () => {};
    const allSent = new Promise<void>((resolve) => {
      releaseAll = resolve;
    });
    // No answer comes before every request went out: a closed loop would wait here forever.
    const run = await runOpenLoop({
      rate: 1000,
      seconds: total / 1000,
      maxInFlight: total,
      send: async () => {
        started += 1;
        if (started === total) releaseAll();
        await allSent;
        return 202;
      },
    });
    expect(run.samples).toHaveLength(total);
    expect(run.dropped).toBe(0);
    for (const sample of run.samples) expect(sample.latencyMs).toBeGreaterThanOrEqual(sample.sendLagMs);
  });

  it("records a request that got no answer as status 0 with its error", async () => {
    const run = await runOpenLoop({
      rate: 1000,
      seconds: 0.002,
      maxInFlight: 10,
      send: async (index) => {
        if (index === 1) throw new Error("socket hang up");
        return 202;
      },
    });
    expect(run.samples.map((s) => s.status)).toEqual([202, 0]);
    expect(run.samples[1]?.error).toBe("socket hang up");
  });

  it("drops, and counts, what falls due while maxInFlight requests still wait: never more in flight", async () => {
    const total = 20;
    let inFlight = 0;
    let mostInFlight = 0;
    let releaseAll: () => void = () => {};
    const released = new Promise<void>((resolve) => {
      releaseAll = resolve;
    });
    const run = await runOpenLoop({
      rate: 1000,
      seconds: total / 1000,
      maxInFlight: 2,
      send: async () => {
        inFlight += 1;
        mostInFlight = Math.max(mostInFlight, inFlight);
        // The first two hold their slots until the schedule has run past every other request.
        if (mostInFlight <= 2 && inFlight === 2) setTimeout(releaseAll, 40);
        await released;
        inFlight -= 1;
        return 202;
      },
    });
    expect(mostInFlight).toBe(2);
    expect(run.samples.length + run.dropped).toBe(total);
    expect(run.dropped).toBeGreaterThan(0);
  });
});
