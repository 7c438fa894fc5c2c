/**
 * The hash chain of audit events, as documented in docs/audit.md so a customer can re-check an
 * export: hash = lower-case hex SHA-256 of the UTF-8 canonical JSON (RFC 8785, JCS) of the event
 * without its `hash` field. Events hold only strings, finite numbers, booleans and objects of them,
 * for which JCS is JSON.stringify with object keys sorted by UTF-16 code units, no whitespace.
 */
import { createHash } from "node:crypto";
import type { AuditClass, ChainedAuditEvent } from "./port.ts";

/** prevHash of the first event of a chain. */
export const GENESIS_HASH = "0".repeat(64);

export const AUDIT_CLASSES: readonly AuditClass[] = ["persistent", "short"];

/** RFC 8785 canonical JSON for JSON values without arrays of mixed types (all audit events need). */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") {
    if (typeof value === "number" && !Number.isFinite(value))
      throw new Error("canonicalJson: non-finite number");
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const entries = Object.entries(value)
    .filter(([, field]) => field !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, field]) => `${JSON.stringify(key)}:${canonicalJson(field)}`).join(",")}}`;
}

/** The hash an event must carry: over every field but `hash` itself. */
export function eventHash(event: Omit<ChainedAuditEvent, "hash"> & { readonly hash?: string }): string {
  const { hash: _hash, ...hashed } = event;
  return createHash("sha256").update(canonicalJson(hashed), "utf8").digest("hex");
}

/** Chain position in a sort key: fixed width so string order is number order. */
export const seqKey = (seq: number): string => String(seq).padStart(12, "0");

/**
 * Event sort key: time first (listing and time ranges), then class and seq. Writers never let a
 * chain's time go backwards (at >= the head's at), so within one class key order is chain order.
 */
export const eventSortKey = (event: Pick<ChainedAuditEvent, "at" | "class" | "seq">): string =>
  `${event.at}#${event.class}#${seqKey(event.seq)}`;

export const accountPartition = (accountId: string): string => `ACC#${accountId}`;
/** The chain head (seq, hash, at of the newest event) of one class; sorts after every event key. */
export const chainHeadKey = (auditClass: AuditClass): string => `CHAIN#${auditClass}`;
/** A signed daily digest; sorts after every event key. */
export const digestKey = (date: string): string => `DIGEST#${date}`;
/** Accounts with events on a day (UTC), for the daily digest; one item per account. */
export const activeDayPartition = (date: string): string => `AUDIT_DAY#${date}`;

/** Bounds of the event keys in an account partition (heads and digests sort after "9999"). */
export const EVENT_KEYS_FROM = "0000";
export const EVENT_KEYS_TO = "9999\uffff";
