import { Secret, TOTP } from "otpauth";
import { describe, expect, it } from "vitest";
import {
  looksLikeRecoveryCode,
  matchTotp,
  newRecoveryCodes,
  newTotpSecret,
  normalizeRecoveryCode,
  totpUri,
} from "../../functions/identity/mfa.ts";

const codeAt = (secret: string, ms: number) =>
  new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30 }).generate({ timestamp: ms });

describe("TOTP", () => {
  const secret = newTotpSecret();
  const t0 = Date.parse("2030-06-01T12:00:15Z");
  const step0 = Math.floor(t0 / 30_000);

  it("accepts the current step and ±1, returning the matched step; nothing further", () => {
    expect(matchTotp(secret, codeAt(secret, t0), new Date(t0))).toBe(step0);
    expect(matchTotp(secret, codeAt(secret, t0 - 30_000), new Date(t0))).toBe(step0 - 1);
    expect(matchTotp(secret, codeAt(secret, t0 + 30_000), new Date(t0))).toBe(step0 + 1);
    expect(matchTotp(secret, codeAt(secret, t0 - 60_000), new Date(t0))).toBeUndefined();
    expect(matchTotp(secret, codeAt(secret, t0 + 60_000), new Date(t0))).toBeUndefined();
    expect(matchTotp(secret, "12345", new Date(t0))).toBeUndefined();
  });

  it("enrolment URI is a standard otpauth:// URI with a 160-bit secret", () => {
    const uri = new URL(totpUri(secret, "a@example.test"));
    expect(uri.protocol).toBe("otpauth:");
    expect(uri.searchParams.get("secret")).toBe(secret);
    expect(uri.searchParams.get("issuer")).toBe("Textgate");
    expect(Secret.fromBase32(secret).bytes.length).toBe(20);
  });
});

describe("recovery codes", () => {
  it("are 10 distinct, readable codes that are told apart from TOTP codes", () => {
    const codes = newRecoveryCodes();
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) {
      expect(code).toMatch(/^[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}$/);
      expect(looksLikeRecoveryCode(code)).toBe(true);
      expect(looksLikeRecoveryCode(code.toUpperCase().replaceAll("-", " "))).toBe(true);
    }
    expect(looksLikeRecoveryCode("123456")).toBe(false);
    expect(normalizeRecoveryCode("AbCd-EfGh jkmn")).toBe("abcdefghjkmn");
  });
});
