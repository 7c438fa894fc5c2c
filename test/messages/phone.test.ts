import { describe, expect, it } from "vitest";
import { parsePhone } from "../../functions/messages/phone.ts";
import { DomainError } from "../../functions/shared/problem.ts";

function fieldError(input: string): { field: string; message: string } | undefined {
  try {
    parsePhone(input);
  } catch (error) {
    if (error instanceof DomainError) {
      return (error.extensions.errors as { field: string; message: string }[])[0];
    }
    throw error;
  }
  return undefined;
}

describe("parsePhone", () => {
  it.each([
    ["+37255512345", "+37255512345", "EE"],
    ["+372 5551 2345", "+37255512345", "EE"],
    ["+491701234567", "+491701234567", "DE"],
    ["+447400123456", "+447400123456", "GB"],
    ["+12015550123", "+12015550123", "US"],
    ["+37255550000", "+37255550000", "EE"],
  ])("accepts %s as %s (%s)", (input, e164, country) => {
    expect(parsePhone(input)).toEqual({ e164, country });
  });

  it.each([
    ["no plus", "37255512345", "E.164"],
    ["letters", "+3725551abcd", "digits"],
    ["too short", "+3725", "too short"],
    ["too long", "+3725551234567890", "possible"],
    ["unknown country code", "+99912345678", ""],
    ["invalid range", "+37201234567", "valid"],
    ["fixed line", "+3726123456", "fixed-line"],
    ["toll free", "+448001234567", "toll-free"],
    ["empty", "", "E.164"],
  ])("rejects %s with a field error on `to`", (_name, input, messagePart) => {
    const error = fieldError(input);
    expect(error?.field).toBe("to");
    expect(error?.message).toContain(messagePart);
  });
});
