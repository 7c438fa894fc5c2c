import { randomInt } from "node:crypto";
import type { Hasher } from "../shared/secrets.ts";

/**
 * One-time codes. Digits come from the CSPRNG (crypto.randomInt, uniform, no modulo bias). A code is
 * never stored: only HMAC(otp key, "<verificationId>:<e164>:<code>"), which binds it to this
 * verification and this number, so a leaked table holds nothing usable and a code sent for one
 * verification cannot approve another.
 */
export const MIN_CODE_LENGTH = 6;
export const MAX_CODE_LENGTH = 10;

export function generateCode(length: number): string {
  if (!Number.isInteger(length) || length < MIN_CODE_LENGTH || length > MAX_CODE_LENGTH) {
    throw new RangeError(`code length must be ${MIN_CODE_LENGTH}-${MAX_CODE_LENGTH}`);
  }
  // randomInt's range must stay below 2^48; 10^10 does. Draw digits in two halves anyway so the
  // code is exactly `length` digits, leading zeros included.
  let code = "";
  while (code.length < length) {
    const chunk = Math.min(5, length - code.length);
    code += String(randomInt(0, 10 ** chunk)).padStart(chunk, "0");
  }
  return code;
}

const bindingOf = (verificationId: string, e164: string, code: string): string =>
  `${verificationId}:${e164}:${code}`;

export const hashCode = (
  hasher: Hasher,
  verificationId: string,
  e164: string,
  code: string,
): Promise<string> => hasher.hmac("otp", bindingOf(verificationId, e164, code));

/** Constant-time comparison of a candidate code against the stored HMAC. */
export const codeMatches = (
  hasher: Hasher,
  verificationId: string,
  e164: string,
  candidate: string,
  storedHash: string,
): Promise<boolean> => hasher.matches("otp", bindingOf(verificationId, e164, candidate), storedHash);
