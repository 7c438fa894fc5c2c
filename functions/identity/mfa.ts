import { randomBytes } from "node:crypto";
import { Secret, TOTP } from "otpauth";
import type { Hasher } from "../shared/secrets.ts";

/**
 * Second factors: TOTP (RFC 6238: SHA-1, 6 digits, 30 s, ±1 step accepted; the caller records the
 * matched step so a code is accepted once) and recovery codes (10, single use, stored as keyed hashes).
 */
export const TOTP_ISSUER = "Textgate";
const TOTP_WINDOW = 1;
const TOTP_PERIOD = 30;

export const newTotpSecret = (): string => new Secret({ size: 20 }).base32;

const totpFor = (secretBase32: string, label = "user"): TOTP =>
  new TOTP({
    issuer: TOTP_ISSUER,
    label,
    algorithm: "SHA1",
    digits: 6,
    period: TOTP_PERIOD,
    secret: Secret.fromBase32(secretBase32),
  });

export const totpUri = (secretBase32: string, email: string): string =>
  totpFor(secretBase32, email).toString();

/** The time-step the code belongs to (within ±1 of now), or undefined when it matches none. */
export function matchTotp(secretBase32: string, code: string, now: Date): number | undefined {
  if (!/^\d{6}$/.test(code)) return undefined;
  const totp = totpFor(secretBase32);
  const delta = totp.validate({ token: code, timestamp: now.getTime(), window: TOTP_WINDOW });
  if (delta === null) return undefined;
  return totp.counter({ timestamp: now.getTime() }) + delta;
}

export const RECOVERY_CODE_COUNT = 10;
const RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"; // no look-alikes (0/o, 1/l/i)

/** 12 characters from a 31-symbol alphabet ≈ 59 bits each, shown as xxxx-xxxx-xxxx. */
export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const bytes = randomBytes(12);
    const chars = [...bytes].map((b) => RECOVERY_ALPHABET[b % RECOVERY_ALPHABET.length]).join("");
    return `${chars.slice(0, 4)}-${chars.slice(4, 8)}-${chars.slice(8, 12)}`;
  });
}

export const normalizeRecoveryCode = (code: string): string => code.toLowerCase().replace(/[\s-]/g, "");
export const looksLikeRecoveryCode = (code: string): boolean =>
  /^[a-z0-9]{12}$/.test(normalizeRecoveryCode(code)) && !/^\d+$/.test(normalizeRecoveryCode(code));

export async function hashRecoveryCodes(hasher: Hasher, codes: readonly string[]): Promise<Set<string>> {
  const hashes = await Promise.all(
    codes.map((code) => hasher.hmac("recovery-code", normalizeRecoveryCode(code))),
  );
  return new Set(hashes);
}
