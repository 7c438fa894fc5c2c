/**
 * Price per SMS segment by destination country, in EUR. Amounts are kept in micro-euros (integers)
 * so sums never drift; the API shows a decimal string. A billing capability may replace this table.
 */
export const PRICE_CURRENCY = "EUR";

const MICRO_EUR_PER_SEGMENT: Readonly<Record<string, number>> = {
  EE: 45_000,
  LV: 45_000,
  LT: 42_000,
  FI: 55_000,
  SE: 52_000,
  DE: 75_000,
  GB: 38_000,
  US: 9_000,
};
const DEFAULT_MICRO_EUR = 80_000;

export interface Price {
  /** Decimal string, 4 places, e.g. "0.0900". */
  readonly amount: string;
  readonly currency: string;
}

export function priceFor(country: string, segments: number): Price {
  const micros = (MICRO_EUR_PER_SEGMENT[country] ?? DEFAULT_MICRO_EUR) * segments;
  // 1 EUR = 1,000,000 micro-euros; 4 decimals is 100 micro-euros per step (table values are multiples).
  return { amount: (micros / 1_000_000).toFixed(4), currency: PRICE_CURRENCY };
}
