import { validationError } from "../shared/problem.ts";

/**
 * SMS encoding and segment counting (3GPP TS 23.038 / GSM 03.38).
 *
 * GSM-7: 160 septets in one SMS; a concatenated message spends 7 septets of every part on the UDH,
 * leaving 153. Extension-table characters are sent as ESC + char (2 septets) and the pair is never
 * split across parts. Anything outside both tables forces UCS-2: 70 UTF-16 units in one SMS, 67 per
 * part, and a surrogate pair (emoji) is never split across parts.
 */
export type Encoding = "GSM-7" | "UCS-2";

export const MAX_SEGMENTS = 10;

// The basic table without ESC (0x1B): ESC is an escape prefix, not a character a sender may use.
const GSM7_BASIC = new Set(
  "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà",
);
const GSM7_EXTENSION = new Set("\f^{}\\[~]|€");

export const LIMITS = {
  "GSM-7": { single: 160, part: 153 },
  "UCS-2": { single: 70, part: 67 },
} as const satisfies Record<Encoding, { single: number; part: number }>;

export interface SegmentInfo {
  readonly encoding: Encoding;
  readonly segments: number;
  /** Septets (GSM-7) or UTF-16 code units (UCS-2) the text needs. */
  readonly units: number;
}

/** Cost of one character in septets, or undefined when it is not in the GSM 7-bit alphabet. */
function septetsOf(char: string): 1 | 2 | undefined {
  if (GSM7_BASIC.has(char)) return 1;
  if (GSM7_EXTENSION.has(char)) return 2;
  return undefined;
}

export function detectEncoding(text: string): Encoding {
  for (const char of text) {
    if (septetsOf(char) === undefined) return "UCS-2";
  }
  return "GSM-7";
}

/** Units of each character, in order: septets for GSM-7, UTF-16 code units for UCS-2. */
export function unitCosts(text: string, encoding: Encoding): number[] {
  // for…of walks code points, so a surrogate pair is one item costing 2 units.
  return Array.from(text, (char) => (encoding === "GSM-7" ? (septetsOf(char) ?? 1) : char.length));
}

/** Greedy packing into parts of `capacity` units; a character is never split across parts. */
function countParts(costs: readonly number[], capacity: number): number {
  let parts = 1;
  let used = 0;
  for (const cost of costs) {
    if (used + cost > capacity) {
      parts += 1;
      used = 0;
    }
    used += cost;
  }
  return parts;
}

export function segmentInfo(text: string): SegmentInfo {
  const encoding = detectEncoding(text);
  const costs = unitCosts(text, encoding);
  const units = costs.reduce((sum, cost) => sum + cost, 0);
  const limit = LIMITS[encoding];
  const segments = units <= limit.single ? 1 : countParts(costs, limit.part);
  return { encoding, segments, units };
}

/** segmentInfo, or a validation error naming `text` when the message needs more than 10 parts. */
export function segmentsOrThrow(text: string, field = "text"): SegmentInfo {
  const info = segmentInfo(text);
  if (info.segments > MAX_SEGMENTS) {
    throw validationError([
      {
        field,
        message: `needs ${info.segments} SMS segments (${info.encoding}); at most ${MAX_SEGMENTS} are allowed`,
      },
    ]);
  }
  return info;
}
