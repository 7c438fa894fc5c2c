import { type NumberType, ParseError, parsePhoneNumberWithError } from "libphonenumber-js/max";
import { validationError } from "../shared/problem.ts";

/**
 * Destination numbers: E.164 in, E.164 + ISO country out. The "max" metadata checks each country's
 * real number ranges (not just lengths) and knows number types, so fixed-line, premium-rate and
 * toll-free numbers are refused before they cost a carrier submission.
 */
export interface ParsedPhone {
  readonly e164: string;
  /** ISO 3166-1 alpha-2, e.g. "EE". */
  readonly country: string;
}

// Types that cannot receive an SMS (or should never be texted by a platform like this one).
export const NON_SMS_TYPES: ReadonlySet<NumberType> = new Set<NumberType>([
  "FIXED_LINE",
  "PREMIUM_RATE",
  "TOLL_FREE",
  "SHARED_COST",
  "UAN",
  "VOICEMAIL",
]);

const MAX_INPUT = 32;

export function parsePhone(input: string, field = "to"): ParsedPhone {
  const fail = (message: string) => validationError([{ field, message }]);
  const raw = input.trim();
  if (!raw.startsWith("+")) throw fail("must be an E.164 number with country code, e.g. +37255512345");
  if (raw.length > MAX_INPUT || !/^\+[0-9 ()\-.]+$/.test(raw)) throw fail("must contain only digits after +");
  let parsed: ReturnType<typeof parsePhoneNumberWithError>;
  try {
    parsed = parsePhoneNumberWithError(raw);
  } catch (error) {
    if (error instanceof ParseError) {
      throw fail(`is not a phone number (${error.message.toLowerCase().replaceAll("_", " ")})`);
    }
    throw error;
  }
  if (!parsed.isPossible()) throw fail("is not a possible number for its country (wrong length)");
  if (!parsed.isValid() || !parsed.country) throw fail("is not a valid number for its country");
  const type = parsed.getType();
  if (type && NON_SMS_TYPES.has(type)) {
    throw fail(`is a ${type.toLowerCase().replaceAll("_", "-")} number and cannot receive SMS`);
  }
  return { e164: parsed.number, country: parsed.country };
}

/** True when the value already is a valid, SMS-capable E.164 number (for alphanumeric-vs-number checks). */
export function isSmsCapableE164(value: string): boolean {
  try {
    return parsePhone(value).e164 === value;
  } catch {
    return false;
  }
}
