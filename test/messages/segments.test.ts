import { describe, expect, it } from "vitest";
import { detectEncoding, segmentInfo, segmentsOrThrow } from "../../functions/messages/segments.ts";
import { DomainError } from "../../functions/shared/problem.ts";

const gsm = (n: number): string => "a".repeat(n);

describe("encoding detection", () => {
  it("keeps the whole GSM 03.38 basic table in GSM-7", () => {
    const basic =
      "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
    expect(detectEncoding(basic)).toBe("GSM-7");
  });

  it("keeps extension-table characters in GSM-7", () => {
    expect(detectEncoding("^{}\\[~]|€\f")).toBe("GSM-7");
  });

  it.each([
    ["emoji", "hi 😀"],
    ["Cyrillic", "привет"],
    ["curly quote", "it’s"],
    ["lower-case ç (only Ç is GSM)", "ça"],
    ["raw ESC", "a\u001bb"],
    ["tab", "a\tb"],
  ])("switches to UCS-2 for %s", (_name, text) => {
    expect(detectEncoding(text)).toBe("UCS-2");
  });
});

describe("GSM-7 segments", () => {
  it.each([
    [1, 1],
    [160, 1],
    [161, 2],
    [306, 2],
    [307, 3],
    [153 * 3, 3],
    [153 * 3 + 1, 4],
    [153 * 10, 10],
  ])("%i septets → %i segments", (length, segments) => {
    expect(segmentInfo(gsm(length))).toEqual({ encoding: "GSM-7", segments, units: length });
  });

  it("counts an extension character as 2 septets", () => {
    expect(segmentInfo("€").units).toBe(2);
    expect(segmentInfo(`${gsm(158)}€`)).toEqual({ encoding: "GSM-7", segments: 1, units: 160 });
    expect(segmentInfo(`${gsm(159)}€`)).toEqual({ encoding: "GSM-7", segments: 2, units: 161 });
  });

  it("never splits an escape pair across a segment boundary", () => {
    // 152 septets + "€" (2) would straddle 153: the pair moves to part 2, then 152 more fit there.
    const text = `${gsm(152)}€${gsm(152)}`;
    expect(segmentInfo(text).units).toBe(306);
    expect(segmentInfo(text).segments).toBe(3);
    // Same septet count without the straddle fits in two.
    expect(segmentInfo(`${gsm(151)}€${gsm(153)}`).segments).toBe(2);
  });

  it("80 extension characters fill one SMS, 81 need two", () => {
    expect(segmentInfo("{".repeat(80)).segments).toBe(1);
    expect(segmentInfo("{".repeat(81)).segments).toBe(2);
  });
});

describe("UCS-2 segments", () => {
  it.each([
    [70, 1],
    [71, 2],
    [134, 2],
    [135, 3],
    [670, 10],
  ])("%i units → %i segments", (length, segments) => {
    expect(segmentInfo("ж".repeat(length))).toEqual({ encoding: "UCS-2", segments, units: length });
  });

  it("counts an emoji as two UTF-16 units", () => {
    expect(segmentInfo("😀".repeat(35))).toEqual({ encoding: "UCS-2", segments: 1, units: 70 });
    expect(segmentInfo(`${"😀".repeat(35)}a`).segments).toBe(2);
  });

  it("never splits a surrogate pair across a segment boundary", () => {
    // 66 units + emoji (2) would straddle 67: the emoji moves to part 2.
    const text = `${"ж".repeat(66)}😀${"ж".repeat(66)}`;
    expect(segmentInfo(text).units).toBe(134);
    expect(segmentInfo(text).segments).toBe(3);
    expect(segmentInfo(`${"ж".repeat(65)}😀${"ж".repeat(67)}`).segments).toBe(2);
  });

  it("one non-GSM character turns the whole text into UCS-2", () => {
    expect(segmentInfo(`${gsm(69)}ж`)).toEqual({ encoding: "UCS-2", segments: 1, units: 70 });
    expect(segmentInfo(`${gsm(70)}ж`).segments).toBe(2);
  });
});

describe("segment limit", () => {
  it("accepts 10 segments", () => {
    expect(segmentsOrThrow(gsm(1530)).segments).toBe(10);
  });

  it("rejects 11 segments with a field error on text", () => {
    let caught: unknown;
    try {
      segmentsOrThrow(gsm(1531));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(DomainError);
    const error = caught as DomainError;
    expect(error.slug).toBe("validation-failed");
    expect(error.extensions.errors).toEqual([{ field: "text", message: expect.stringContaining("11") }]);
  });

  it("rejects 11 UCS-2 segments", () => {
    expect(() => segmentsOrThrow("ж".repeat(671))).toThrow(DomainError);
  });
});
