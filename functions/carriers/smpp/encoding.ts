import smpp from "smpp";
import { detectEncoding, type Encoding, LIMITS, unitCosts } from "../../messages/segments.ts";

/**
 * Text → submit_sm parts. GSM-7 goes as unpacked septets with data_coding 0 (SMSC default
 * alphabet), anything else as UCS-2 (UTF-16BE) with data_coding 8. A text that does not fit one SMS
 * is cut into parts the handset reassembles: either a concatenation UDH (IEI 0x00, 8-bit reference,
 * same reference on every part) or, when the carrier asks for them, the SAR TLVs. Cuts never split
 * an escape pair or a surrogate pair, so the part count equals functions/messages/segments.ts's
 * (what the customer was charged for).
 */
export type Concatenation = "udh" | "sar";

export const DATA_CODING: Readonly<Record<Encoding, number>> = { "GSM-7": 0x00, "UCS-2": 0x08 };
export const ESM_CLASS_UDHI = 0x40;

export interface SubmitPart {
  /** 1-based. */
  readonly seq: number;
  readonly total: number;
  readonly dataCoding: number;
  readonly esmClass: number;
  /** UDH (if any) followed by the encoded text of this part. */
  readonly shortMessage: Buffer;
  readonly sar?: { readonly refNum: number; readonly total: number; readonly seq: number };
}

/** Splits text into pieces of at most `capacity` units, never inside a character. */
export function splitText(text: string, encoding: Encoding, capacity: number): string[] {
  const chars = Array.from(text);
  const costs = unitCosts(text, encoding);
  const pieces: string[] = [];
  let current = "";
  let used = 0;
  chars.forEach((char, i) => {
    const cost = costs[i] ?? 1;
    if (used + cost > capacity && current !== "") {
      pieces.push(current);
      current = "";
      used = 0;
    }
    current += char;
    used += cost;
  });
  if (current !== "" || pieces.length === 0) pieces.push(current);
  return pieces;
}

export function encodeText(text: string, encoding: Encoding): Buffer {
  // utf16le + swap gives UTF-16BE without a dependency; surrogate pairs stay intact.
  return encoding === "GSM-7" ? smpp.gsmCoder.encode(text, 0x00) : Buffer.from(text, "utf16le").swap16();
}

export function decodeText(bytes: Buffer, dataCoding: number): string {
  return dataCoding === DATA_CODING["UCS-2"]
    ? Buffer.from(bytes).swap16().toString("utf16le")
    : smpp.gsmCoder.decode(bytes, 0x00);
}

/**
 * The parts of one message. `reference` (0–255 for UDH, 0–65535 for SAR) must be the same on every
 * part of the message and differ between concurrent long messages to the same handset.
 */
export function encodeParts(text: string, concatenation: Concatenation, reference: number): SubmitPart[] {
  const encoding = detectEncoding(text);
  const limits = LIMITS[encoding];
  const single = unitCosts(text, encoding).reduce((sum, cost) => sum + cost, 0) <= limits.single;
  const dataCoding = DATA_CODING[encoding];
  if (single) {
    return [{ seq: 1, total: 1, dataCoding, esmClass: 0, shortMessage: encodeText(text, encoding) }];
  }
  // SAR TLVs sit outside short_message, but carriers that ask for SAR still expect the multipart
  // sizes handsets use (the SMSC builds the UDH itself), so both modes cut at the same place.
  const pieces = splitText(text, encoding, limits.part);
  const total = pieces.length;
  return pieces.map((piece, i) => {
    const seq = i + 1;
    const body = encodeText(piece, encoding);
    if (concatenation === "sar") {
      const refNum = reference & 0xffff;
      return { seq, total, dataCoding, esmClass: 0, shortMessage: body, sar: { refNum, total, seq } };
    }
    const udh = Buffer.from([0x05, 0x00, 0x03, reference & 0xff, total, seq]);
    return { seq, total, dataCoding, esmClass: ESM_CLASS_UDHI, shortMessage: Buffer.concat([udh, body]) };
  });
}

/** Reads a concatenation UDH (8- or 16-bit reference) off a received short_message. */
export function readConcatUdh(
  shortMessage: Buffer,
): { reference: number; total: number; seq: number; body: Buffer } | undefined {
  const udhLength = shortMessage[0];
  if (udhLength === undefined || shortMessage.length < udhLength + 1) return undefined;
  let offset = 1;
  while (offset < udhLength + 1) {
    const iei = shortMessage[offset];
    const length = shortMessage[offset + 1] ?? 0;
    const data = shortMessage.subarray(offset + 2, offset + 2 + length);
    if (iei === 0x00 && length === 3) {
      return {
        reference: data[0] ?? 0,
        total: data[1] ?? 0,
        seq: data[2] ?? 0,
        body: shortMessage.subarray(udhLength + 1),
      };
    }
    if (iei === 0x08 && length === 4) {
      return {
        reference: data.readUInt16BE(0),
        total: data[2] ?? 0,
        seq: data[3] ?? 0,
        body: shortMessage.subarray(udhLength + 1),
      };
    }
    offset += 2 + length;
  }
  return undefined;
}
