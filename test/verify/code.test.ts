import { describe, expect, it } from "vitest";
import { generateCode } from "../../functions/verify/code.ts";

describe("code generation", () => {
  it("gives exactly the requested number of digits, 6-10", () => {
    for (let length = 6; length <= 10; length++) {
      for (let i = 0; i < 200; i++) expect(generateCode(length)).toMatch(new RegExp(`^[0-9]{${length}}$`));
    }
  });

  it("refuses lengths outside 6-10", () => {
    expect(() => generateCode(5)).toThrow(RangeError);
    expect(() => generateCode(11)).toThrow(RangeError);
  });

  it("uses every digit in every position (no fixed or missing digits)", () => {
    const seen = Array.from({ length: 6 }, () => new Set<string>());
    for (let i = 0; i < 2000; i++) {
      for (const [position, digit] of [...generateCode(6)].entries()) seen[position]?.add(digit);
    }
    for (const digits of seen) expect(digits.size).toBe(10);
  });
});
