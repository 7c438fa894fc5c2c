/**
 * Delivery receipts (deliver_sm with esm_class "MC delivery receipt") and how their message ids
 * meet the ids submit_sm_resp gave us.
 *
 * The receipt text is the de-facto format of SMPP 3.4 Appendix B:
 *   id:IIIIIIIIII sub:SSS dlvrd:DDD submit date:YYMMDDhhmm done date:YYMMDDhhmm stat:DDDDDDD err:E text:…
 * and SMPP 3.4 also defines the receipted_message_id and message_state TLVs. Carriers send either,
 * both, or both disagreeing in base: many answer submit_sm with a hex id and print the receipt id
 * in decimal (Jasmin #20, #210). We therefore index every accepted id under each base it can be read
 * in, and look a receipt up under each base its id can be read in.
 */
export const ESM_CLASS_RECEIPT_MASK = 0x3c;
export const ESM_CLASS_MC_DELIVERY_RECEIPT = 0x04;

export type ReceiptState =
  | "DELIVRD"
  | "EXPIRED"
  | "DELETED"
  | "UNDELIV"
  | "ACCEPTD"
  | "UNKNOWN"
  | "REJECTD"
  | "ENROUTE"
  | "SKIPPED";

/** message_state TLV values (SMPP 3.4 §5.2.28) → the receipt text's stat words. */
const MESSAGE_STATE: Readonly<Record<number, ReceiptState>> = {
  1: "ENROUTE",
  2: "DELIVRD",
  3: "EXPIRED",
  4: "DELETED",
  5: "UNDELIV",
  6: "ACCEPTD",
  7: "UNKNOWN",
  8: "REJECTD",
  9: "SKIPPED",
};

export interface Receipt {
  /** Every id the receipt names (TLV first, then text), as written. */
  readonly ids: readonly string[];
  readonly state: ReceiptState;
  /** The carrier's error code (err: or network_error_code), "000" when none. */
  readonly error: string;
}

export interface ReceiptFields {
  readonly esmClass: number;
  readonly text: string;
  readonly receiptedMessageId?: string;
  readonly messageState?: number;
}

export const isReceipt = (esmClass: number): boolean =>
  (esmClass & ESM_CLASS_RECEIPT_MASK) === ESM_CLASS_MC_DELIVERY_RECEIPT;

const TEXT_FIELD = (name: string) => new RegExp(`(?:^|\\s)${name}:\\s*([^\\s]*)`, "i");

/** Undefined when it is not a receipt or names no id/state we can use. */
export function parseReceipt(fields: ReceiptFields): Receipt | undefined {
  if (!isReceipt(fields.esmClass)) return undefined;
  const textId = TEXT_FIELD("id").exec(fields.text)?.[1];
  const textStat = TEXT_FIELD("stat").exec(fields.text)?.[1]?.toUpperCase();
  const textErr = TEXT_FIELD("err").exec(fields.text)?.[1];
  const ids = [fields.receiptedMessageId, textId].filter(
    (id, i, all): id is string => typeof id === "string" && id.length > 0 && all.indexOf(id) === i,
  );
  const tlvState = fields.messageState === undefined ? undefined : MESSAGE_STATE[fields.messageState];
  const state = tlvState ?? (isState(textStat) ? textStat : undefined);
  if (ids.length === 0 || !state) return undefined;
  return { ids, state, error: textErr && textErr.length > 0 ? textErr : "000" };
}

const STATES = new Set<string>(Object.values(MESSAGE_STATE));
const isState = (value: string | undefined): value is ReceiptState =>
  value !== undefined && STATES.has(value);

/** Our status for a final receipt; undefined for intermediate states (ENROUTE, ACCEPTD, UNKNOWN). */
export function statusOfReceipt(state: ReceiptState): "delivered" | "undelivered" | "failed" | undefined {
  switch (state) {
    case "DELIVRD":
      return "delivered";
    case "UNDELIV":
    case "EXPIRED":
    case "DELETED":
      // The network tried and the handset never got it.
      return "undelivered";
    case "REJECTD":
    case "SKIPPED":
      // The carrier refused it (barred number, content filter): the customer must act.
      return "failed";
    default:
      return undefined;
  }
}

const HEX = /^[0-9a-f]+$/i;
const DECIMAL = /^[0-9]+$/;
const stripZeros = (digits: string): string => digits.replace(/^0+(?=.)/, "");

/**
 * Keys under which an id from submit_sm_resp is indexed: as written (lower case, leading zeros
 * dropped) and, when it reads as hex, its decimal value. A receipt id is looked up under receiptKeys.
 */
export function acceptedIdKeys(id: string): string[] {
  const keys = [stripZeros(id.toLowerCase())];
  if (HEX.test(id) && id.length <= 32) keys.push(BigInt(`0x${id}`).toString(10));
  return [...new Set(keys)];
}

/** Keys to try for an id named in a receipt: as written, then (decimal) the same number in hex. */
export function receiptKeys(id: string): string[] {
  const keys = [stripZeros(id.toLowerCase())];
  if (DECIMAL.test(id) && id.length <= 40) keys.push(BigInt(id).toString(16));
  return [...new Set(keys)];
}
