import { describe, expect, it } from "vitest";
import { decodeText, encodeParts, readConcatUdh } from "../../functions/carriers/smpp/encoding.ts";
import { segmentInfo } from "../../functions/messages/segments.ts";

const reassemble = (text: string, mode: "udh" | "sar") =>
  encodeParts(text, mode, 0x1234)
    .map((part) => {
      const body =
        mode === "udh" && part.total > 1 ? readConcatUdh(part.shortMessage)?.body : part.shortMessage;
      return decodeText(body ?? Buffer.alloc(0), part.dataCoding);
    })
    .join("");

describe("SMPP text encoding and concatenation", () => {
  it("sends a short GSM-7 text as one part, data_coding 0, unpacked septets", () => {
    const [part, ...rest] = encodeParts("Your code is 123456", "udh", 7);
    expect(rest).toHaveLength(0);
    expect(part?.dataCoding).toBe(0);
    expect(part?.esmClass).toBe(0);
    expect(part?.shortMessage).toEqual(Buffer.from("Your code is 123456", "ascii"));
  });

  it("escapes GSM-7 extension characters (€ is ESC 0x65)", () => {
    const [part] = encodeParts("5€", "udh", 7);
    expect([...(part?.shortMessage ?? [])]).toEqual([0x35, 0x1b, 0x65]);
  });

  it("sends UCS-2 as UTF-16BE with data_coding 8", () => {
    const [part] = encodeParts("Привет", "udh", 7);
    expect(part?.dataCoding).toBe(8);
    expect(part?.shortMessage.subarray(0, 2)).toEqual(Buffer.from([0x04, 0x1f]));
  });

  it.each([
    ["GSM-7", "a".repeat(161)],
    ["GSM-7 with escapes at the cut", `${"a".repeat(152)}€${"b".repeat(200)}`],
    ["UCS-2", "Ж".repeat(71)],
    ["UCS-2 with an emoji at the cut", `${"Ж".repeat(66)}😀${"Ж".repeat(100)}`],
  ])(
    "cuts a long %s text into as many UDH parts as it was charged for, all with one reference",
    (_, text) => {
      const parts = encodeParts(text, "udh", 0x1234);
      expect(parts).toHaveLength(segmentInfo(text).segments);
      const headers = parts.map((part) => readConcatUdh(part.shortMessage));
      expect(headers.map((h) => h?.reference)).toEqual(parts.map(() => 0x34));
      expect(headers.map((h) => h?.seq)).toEqual(parts.map((_, i) => i + 1));
      expect(headers.every((h) => h?.total === parts.length)).toBe(true);
      expect(parts.every((part) => part.esmClass === 0x40)).toBe(true);
      expect(reassemble(text, "udh")).toBe(text);
    },
  );

  it("uses SAR TLVs instead of a UDH when the carrier asks for them", () => {
    const text = "Ж".repeat(150);
    const parts = encodeParts(text, "sar", 0x1234);
    expect(parts.map((part) => part.sar)).toEqual([
      { refNum: 0x1234, total: 3, seq: 1 },
      { refNum: 0x1234, total: 3, seq: 2 },
      { refNum: 0x1234, total: 3, seq: 3 },
    ]);
    expect(parts.every((part) => part.esmClass === 0)).toBe(true);
    expect(reassemble(text, "sar")).toBe(text);
  });
});
