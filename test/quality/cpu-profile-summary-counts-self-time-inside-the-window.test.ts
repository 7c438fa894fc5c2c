import { describe, expect, it } from "vitest";
import { type CpuProfile, packageOf, summarizeProfile } from "../../bench/profile-summary.ts";

const root = "/repo";
const frame = (functionName: string, url = "") => ({ functionName, url, lineNumber: 0 });

/** Samples at t = 1000 + 10·i µs; a sample's self time runs until the next sample. */
function profileOf(sampleIds: number[]): CpuProfile {
  return {
    nodes: [
      { id: 1, callFrame: frame("(idle)") },
      { id: 2, callFrame: frame("send", `file://${root}/node_modules/@smithy/core/dist-cjs/index.js`) },
      { id: 3, callFrame: frame("handler", `file://${root}/functions/verify/start.ts`) },
      { id: 4, callFrame: frame("emit", "node:events") },
    ],
    startTime: 1000,
    endTime: 1000 + 10 * sampleIds.length,
    samples: sampleIds,
    timeDeltas: sampleIds.map((_, i) => (i === 0 ? 0 : 10)),
  };
}

describe("the bench's cpuprofile summary", () => {
  it("adds self time per function and package, leaving idle out of busy", () => {
    const summary = summarizeProfile(profileOf([2, 2, 3, 1, 4]), root);
    expect(summary.wholeProfile).toBe(true);
    expect(summary.windowUs).toBe(50);
    expect(summary.busyUs).toBe(40);
    expect(summary.byPackage).toEqual([
      { name: "@smithy/core", selfUs: 20 },
      { name: "functions/verify", selfUs: 10 },
      { name: "node:events", selfUs: 10 },
    ]);
    expect(summary.byFunction[0]).toEqual({ name: "send @smithy/core/dist-cjs/index.js:1", selfUs: 20 });
  });

  it("keeps only the samples inside the measured window", () => {
    // Samples at 1000, 1010, 1020, 1030, 1040: the window [1020, 1040) holds the 3rd and 4th.
    const summary = summarizeProfile(profileOf([2, 2, 3, 4, 2]), root, { start: 1020, end: 1040 });
    expect(summary.wholeProfile).toBe(false);
    expect(summary.byPackage).toEqual([
      { name: "functions/verify", selfUs: 10 },
      { name: "node:events", selfUs: 10 },
    ]);
  });

  it("falls back to the whole profile when the window is not inside it", () => {
    const summary = summarizeProfile(profileOf([2, 3]), root, { start: 0, end: 5 });
    expect(summary.wholeProfile).toBe(true);
    expect(summary.busyUs).toBe(20);
  });

  it("names V8 pseudo-frames and native code apart from packages", () => {
    expect(packageOf(frame("(garbage collector)"), root)).toBe("(garbage collector)");
    expect(packageOf(frame("writev"), root)).toBe("(V8 builtins / native)");
    expect(packageOf(frame("x", "node:internal/streams/readable"), root)).toBe("node:internal/streams");
    expect(packageOf(frame("x", "file:///elsewhere/node_modules/zod/v4/index.js"), root)).toBe("zod");
  });
});
