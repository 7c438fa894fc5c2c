/**
 * Message status as a monotonic state machine. Dispatcher and DLR handler only ever move a message
 * forward, and every write is conditional on the statuses listed here, so a late or duplicate event
 * (a redelivered SQS record, a repeated DLR, a "sent" after "delivered") can never move it back.
 *
 *   scheduled ─┐
 *   queued ────┴→ submitting → sent → delivered | undelivered | failed
 *   (queued|scheduled|submitting) → failed | expired;  (queued|scheduled) → cancelled
 *   submitting → delivered | undelivered | failed  (a DLR may overtake the dispatcher's "sent" write)
 */
export const messageStatuses = [
  "queued",
  "scheduled",
  "submitting",
  "sent",
  "delivered",
  "undelivered",
  "failed",
  "expired",
  "cancelled",
] as const;

export type MessageStatus = (typeof messageStatuses)[number];

/** What the public API shows: "submitting" is internal and reads as "queued". */
export type PublicStatus = Exclude<MessageStatus, "submitting">;

export const TERMINAL: ReadonlySet<MessageStatus> = new Set([
  "delivered",
  "undelivered",
  "failed",
  "expired",
  "cancelled",
]);

/** Sent or final: no submission needs the body any more, so retention may take it. */
export const bodyNoLongerNeeded = (status: unknown): boolean =>
  status === "sent" || TERMINAL.has(status as MessageStatus);

const NEXT: Readonly<Record<MessageStatus, readonly MessageStatus[]>> = {
  scheduled: ["submitting", "failed", "expired", "cancelled"],
  queued: ["submitting", "failed", "expired", "cancelled"],
  submitting: ["sent", "delivered", "undelivered", "failed", "expired"],
  sent: ["delivered", "undelivered", "failed"],
  delivered: [],
  undelivered: [],
  failed: [],
  expired: [],
  cancelled: [],
};

export function canTransition(from: MessageStatus, to: MessageStatus): boolean {
  return NEXT[from].includes(to);
}

/** Statuses from which `to` may be reached: the condition of a conditional write. */
export function sourcesOf(to: MessageStatus): MessageStatus[] {
  return messageStatuses.filter((from) => canTransition(from, to));
}

export const publicStatus = (status: MessageStatus): PublicStatus =>
  status === "submitting" ? "queued" : status;
