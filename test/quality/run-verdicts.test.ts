import { describe, expect, it } from "vitest";
import { expectedFinalStatus } from "../../tools/quality/chaos-run.ts";
import { type FuzzReport, fuzzProblems } from "../../tools/quality/fuzz-runner.ts";
import { chaosProblems, verdictLine } from "../../tools/quality/verdict.ts";

const cleanChaos = {
  sent: 100,
  accepted: 100,
  lost: [],
  duplicates: 0,
  duplicatesPerKey: 0,
  wrongStatus: [],
};

const fuzzReport = (byStatus: Record<string, number>, violations = 0): FuzzReport => ({
  total: 10,
  seed: 1,
  ms: 1,
  byStatus,
  byKind: {},
  violations: Array.from({ length: violations }, () => ({
    request: { kind: "valid", target: "GET /health", method: "GET", path: "/health", headers: {} },
    status: 500,
    problems: ["server error 500"],
    body: "",
  })),
  sessionRenewals: 0,
  connectionRetries: 0,
});

describe("the run tools fail when they find a problem, and when they could not have found one", () => {
  it("prints one verdict line", () => {
    expect(verdictLine("chaos", [])).toBe("chaos: ok");
    expect(verdictLine("chaos", ["2 lost", "1 duplicate submissions"])).toBe(
      "chaos: FAILED — 2 lost; 1 duplicate submissions",
    );
  });

  it("chaos passes a clean run", () => {
    expect(chaosProblems(cleanChaos)).toEqual([]);
  });

  it("chaos fails when the API accepted nothing (nothing lost is then no evidence)", () => {
    expect(chaosProblems({ ...cleanChaos, accepted: 0 })).toEqual(["no message was accepted"]);
    expect(chaosProblems({ ...cleanChaos, accepted: 97 })).toEqual(["3 of 100 never accepted"]);
  });

  it("chaos fails on lost, duplicated and wrongly settled messages", () => {
    expect(
      chaosProblems({ ...cleanChaos, lost: ["a"], duplicates: 2, duplicatesPerKey: 1, wrongStatus: ["b"] }),
    ).toEqual([
      "1 lost",
      "2 duplicate submissions",
      "1 duplicate submissions per Idempotency-Key",
      "1 with a wrong final status",
    ]);
  });

  it("chaos fails when more than 1% of the accepted were dead-lettered although their number is answered", () => {
    expect(chaosProblems({ ...cleanChaos, deadLetteredAnswerable: 1 })).toEqual([]);
    expect(chaosProblems({ ...cleanChaos, deadLetteredAnswerable: 2 })).toEqual([
      "2 dead-lettered although their number is answered (over 1% of the accepted)",
    ]);
  });

  it("chaos expects the status each simulator number asks for", () => {
    expect(expectedFinalStatus("+37253010000")).toBe("undelivered");
    expect(expectedFinalStatus("+37253010001")).toBe("failed");
    expect(expectedFinalStatus("+37253010002")).toBeUndefined();
    expect(expectedFinalStatus("+37251000007")).toBe("delivered");
  });

  it("fuzz fails on violations, on a run where nothing succeeded, and without a signed-in user", () => {
    const run = { count: 10, seed: 1, signedIn: true };
    expect(fuzzProblems(fuzzReport({ "200": 3, "400": 7 }), run)).toEqual([]);
    expect(fuzzProblems(fuzzReport({ "200": 3, "500": 1 }, 1), run)).toEqual([
      "1 violations (re-run with --seed 1 to reproduce)",
    ]);
    expect(fuzzProblems(fuzzReport({ "401": 10 }), run)).toEqual([
      "no request succeeded (2xx): the credentials never worked",
    ]);
    expect(fuzzProblems(fuzzReport({ "204": 10 }), { ...run, signedIn: false })).toEqual([
      "the demo user could not sign in: the account routes went untested",
    ]);
  });
});
