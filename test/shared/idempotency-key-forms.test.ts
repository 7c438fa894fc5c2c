import { describe, expect, it } from "vitest";
import { IDEMPOTENCY_KEY_PATTERN, parseIdempotencyKey } from "../../functions/shared/idempotency-key.ts";

const key = "8e03978e-40d5-43e8-bc93-6894a57f9324";

describe("Idempotency-Key header forms", () => {
  it("the IETF quoted form (RFC 8941 string) is the same key as the bare form", () => {
    expect(parseIdempotencyKey(`"${key}"`)).toEqual({ ok: true, key });
    expect(parseIdempotencyKey(key)).toEqual({ ok: true, key });
  });

  it('decodes \\" and \\\\ escapes inside the quoted form', () => {
    expect(parseIdempotencyKey(String.raw`"order \"42\" \\ eu"`)).toEqual({
      ok: true,
      key: String.raw`order "42" \ eu`,
    });
  });

  it("accepts up to 255 printable characters, refuses 256", () => {
    const longest = "k".repeat(255);
    expect(parseIdempotencyKey(longest)).toEqual({ ok: true, key: longest });
    expect(parseIdempotencyKey(`"${longest}"`)).toEqual({ ok: true, key: longest });
    expect(parseIdempotencyKey("k".repeat(256)).ok).toBe(false);
    expect(parseIdempotencyKey(`"${"k".repeat(256)}"`).ok).toBe(false);
  });

  it("accepts printable punctuation that the old key pattern refused", () => {
    expect(parseIdempotencyKey("order#42/eu+retry=1")).toEqual({ ok: true, key: "order#42/eu+retry=1" });
  });

  it.each([
    ["a control character", "abcdefgh\u0001"],
    ["a tab inside", "abcd\tefgh"],
    ["a DEL", "abcdefgh\u007f"],
    ["non-ASCII", "clé-abcdefgh"],
    ["an unterminated quoted string", `"${key}`],
    ["text after the closing quote", `"${key}"x`],
    ["a bad escape", String.raw`"abcdefgh\n"`],
    ["a bare quote inside the quoted form", `"abcd"efgh"`],
    ["fewer than 8 characters", "short"],
    ["fewer than 8 characters once unquoted", '"short12"'.replace("12", "")],
  ])("refuses %s", (_name, raw) => {
    expect(parseIdempotencyKey(raw).ok).toBe(false);
  });

  it("the OpenAPI pattern agrees with the parser on both forms", () => {
    const pattern = new RegExp(IDEMPOTENCY_KEY_PATTERN);
    expect(pattern.test(key)).toBe(true);
    expect(pattern.test(`"${key}"`)).toBe(true);
    expect(pattern.test(String.raw`"order \"42\" eu"`)).toBe(true);
    expect(pattern.test("abcdefgh\u0001")).toBe(false);
    expect(pattern.test(String.raw`"abcdefgh\n"`)).toBe(false);
  });
});
