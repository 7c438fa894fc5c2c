import { describe, expect, it } from "vitest";
import {
  conversionIsLow,
  defaultFraudPolicy,
  evaluateFraud,
  type FraudSnapshot,
  isCountryAllowed,
  slidingCount,
  withoutOneSend,
} from "../../functions/verify/fraud-guard.ts";
import { prefixOf } from "../../functions/verify/number.ts";

const snapshot = (prefix: [number, number], country: [number, number] = [0, 0]): FraudSnapshot => ({
  prefix: { sends: prefix[0], approvals: prefix[1] },
  country: { sends: country[0], approvals: country[1] },
  retryAfterSeconds: 1234,
});

describe("fraud guard decisions", () => {
  it("lets a young prefix through however bad its conversion", () => {
    expect(evaluateFraud(snapshot([19, 0]), defaultFraudPolicy).blocked).toBe(false);
  });

  it("blocks a prefix with many sends and almost no approvals", () => {
    expect(evaluateFraud(snapshot([20, 3]), defaultFraudPolicy)).toEqual({
      blocked: true,
      scope: "prefix",
      retryAfterSeconds: 1234,
    });
  });

  it("keeps a prefix with healthy conversion open", () => {
    expect(evaluateFraud(snapshot([500, 400]), defaultFraudPolicy).blocked).toBe(false);
    expect(evaluateFraud(snapshot([20, 4]), defaultFraudPolicy).blocked).toBe(false);
  });

  it("blocks a whole country only at a much larger volume", () => {
    expect(evaluateFraud(snapshot([5, 0], [199, 0]), defaultFraudPolicy).blocked).toBe(false);
    expect(evaluateFraud(snapshot([5, 0], [200, 10]), defaultFraudPolicy)).toMatchObject({
      scope: "country",
    });
    expect(evaluateFraud(snapshot([5, 0], [200, 20]), defaultFraudPolicy).blocked).toBe(false);
  });

  it("raises the conversion alert before blocking", () => {
    expect(conversionIsLow({ sends: 20, approvals: 9 }, defaultFraudPolicy)).toBe(true);
    expect(conversionIsLow({ sends: 20, approvals: 10 }, defaultFraudPolicy)).toBe(false);
    expect(conversionIsLow({ sends: 19, approvals: 0 }, defaultFraudPolicy)).toBe(false);
  });

  it("judges a reserved send on the counts before it", () => {
    expect(withoutOneSend(snapshot([21, 0], [5, 1]))).toEqual(snapshot([20, 0], [4, 1]));
    expect(evaluateFraud(withoutOneSend(snapshot([20, 0])), defaultFraudPolicy).blocked).toBe(false);
    expect(evaluateFraud(withoutOneSend(snapshot([21, 0])), defaultFraudPolicy).blocked).toBe(true);
  });

  it("weights the previous window by the share still inside the sliding window", () => {
    expect(slidingCount(10, 5, 0)).toBe(15);
    expect(slidingCount(10, 5, 0.5)).toBe(10);
    expect(slidingCount(10, 5, 1)).toBe(5);
  });

  it("allows only listed countries, case-insensitively, and nothing for an empty list", () => {
    expect(isCountryAllowed("EE", ["ee", "LV"])).toBe(true);
    expect(isCountryAllowed("NG", ["EE", "LV"])).toBe(false);
    expect(isCountryAllowed("EE", [])).toBe(false);
  });
});

describe("number prefixes", () => {
  it("takes 6-8 leading digits and always leaves at least 4 out", () => {
    expect(prefixOf("+14155552671")).toBe("1415555");
    expect(prefixOf("+37251234567")).toBe("3725123");
    expect(prefixOf("+447700900123")).toBe("44770090");
    expect(prefixOf("+3725123456")).toBe("372512");
  });
});
