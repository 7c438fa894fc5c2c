import { parsePhone } from "../messages/phone.ts";

/**
 * What the verify capability needs to know about a destination number beyond E.164 validity: its
 * country (allow-list, per-country velocity) and its prefix (velocity per number block).
 */
export interface NumberFacts {
  readonly e164: string;
  /** ISO 3166 alpha-2, e.g. "EE". */
  readonly country: string;
  /** Leading digits of the E.164 number (country code included), see prefixOf. */
  readonly prefix: string;
}

/**
 * SMS pumping rents blocks of consecutive numbers, so velocity is counted per block: the first 6–8
 * digits, always leaving at least 4 digits out. +1 415 555 2671 → "1415555" (the NANP exchange),
 * +372 5123 4567 → "3725123", +44 7700 900123 → "44770090".
 */
export function prefixOf(e164: string): string {
  const digits = e164.replace(/\D/g, "");
  const length = Math.min(8, Math.max(6, digits.length - 4));
  return digits.slice(0, length);
}

/** Validates an SMS-capable E.164 number (messaging's rules) and derives country and prefix. */
export function numberFacts(to: string): NumberFacts {
  const { e164, country } = parsePhone(to, "to");
  return { e164, country, prefix: prefixOf(e164) };
}
