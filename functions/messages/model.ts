import type { RetentionSettings } from "../retention/settings.ts";
import type { CreatedBy } from "../shared/principal.ts";
import type { Price } from "./pricing.ts";
import type { Encoding } from "./segments.ts";
import type { MessageStatus } from "./status.ts";

/** The stored message and the ports every messaging use case depends on. */
export type Priority = "otp" | "high" | "normal" | "low";

export interface SubmissionLease {
  /** Random id of one dispatch attempt; every write of that attempt is conditional on it. */
  readonly id: string;
  readonly carrierId: string;
  /** Epoch ms after which the attempt is considered dead (longer than the dispatch timeout). */
  readonly leaseUntil: number;
  readonly attempt: number;
  /**
   * The route prefix that matched the destination ("" = the carrier's catch-all): the carrier quality
   * figures are counted per carrier and this prefix (carriers/quality/stats-store.ts).
   */
  readonly routePrefix?: string;
  /** The carrier answered this attempt with a refusal for now: it does not have the message. */
  readonly notAccepted?: boolean;
}

export interface MessageError {
  readonly code: string;
  readonly reason: string;
}

export interface StoredMessage {
  readonly id: string;
  readonly accountId: string;
  readonly status: MessageStatus;
  readonly priority: Priority;
  /** FieldCipher ciphertexts bound to {accountId, messageId, field}. */
  readonly toCipher: string;
  /** Absent once retention took the body (purged, or past bodyExpiresAt when sent or final: store.ts). */
  readonly textCipher?: string;
  readonly toMasked: string;
  /**
   * HMAC blind index of the number (the one verifications use); with accountId it makes the byNumber
   * key (numberKey) a data-subject export or erasure finds the message by. Absent on messages stored
   * before it existed: those leave by their retention TTL.
   */
  readonly toIndex?: string;
  readonly country: string;
  readonly from?: string;
  readonly segments: number;
  readonly encoding: Encoding;
  readonly price: Price;
  readonly requireTls: boolean;
  readonly callbackUrl?: string;
  readonly tag?: string;
  readonly createdAt: string;
  /** Who sent it (API key or user); absent on items written before it was recorded. */
  readonly createdBy?: CreatedBy;
  readonly scheduledAt?: string;
  /** ISO time after which the message must not be submitted any more. */
  readonly validUntil: string;
  readonly sentAt?: string;
  readonly deliveredAt?: string;
  readonly failedAt?: string;
  /** Set when the message was cancelled before dispatch (e.g. its verification closed). */
  readonly cancelledAt?: string;
  readonly carrierId?: string;
  readonly carrierMessageId?: string;
  readonly submission?: SubmissionLease;
  readonly error?: MessageError;
  /** Epoch seconds: the account's metadata retention (DynamoDB TTL). */
  readonly expiresAt: number;
  /**
   * Epoch seconds of the account's body retention: past it, once the message is sent or final, the
   * body (textCipher) is never handed out (store.ts) and the purge removes it. Before that status it
   * lives on: a body must live until it is sent. Absent on older messages (expiresAt rules).
   */
  readonly bodyExpiresAt?: number;
  /** The account keeps no bodies (messageBodyDays 0): dropped the moment it is sent or final. */
  readonly forgetBodyWhenSent?: boolean;
  /** Webhook event types written by a status change and not yet published (functions/webhooks/outbox.ts). */
  readonly pendingEvents?: readonly string[];
}

/** Whose body goes the moment it is sent or final: one-time codes, and accounts keeping no bodies. */
export const bodyDroppedWhenSent = (
  message: Pick<StoredMessage, "priority" | "forgetBodyWhenSent">,
): boolean => message.priority === "otp" || message.forgetBodyWhenSent === true;

export interface AccountSettings {
  readonly accountId: string;
  readonly allowedCountries: readonly string[];
  readonly retention: RetentionSettings;
  /** Operator-set limit of messages accepted per UTC day through the send API (none: unlimited). */
  readonly messagesPerDay?: number;
}

export interface AccountReader {
  getAccount(accountId: string): Promise<AccountSettings | undefined>;
}

/**
 * An Idempotency-Key bound to the message it created, written in the SAME transaction as the message:
 * whatever happens after that write (enqueue failure, timeout, lost response), a retry with the key
 * finds this message and never creates a second one.
 */
export interface KeyBinding {
  readonly accountId: string;
  readonly idempotencyKey: string;
  readonly messageId: string;
  /** sha256 of the normalised request: same key + another request → 409. */
  readonly requestHash: string;
  /** The 202 body the first request answered, replayed as is. */
  readonly response: AcceptedMessage;
  /** Epoch seconds; after this the key may be used again (DynamoDB TTL). */
  readonly expiresAt: number;
}

export interface AcceptedMessage {
  readonly id: string;
  readonly status: "queued" | "scheduled";
  readonly segments: number;
  readonly encoding: Encoding;
  readonly price: Price;
}

export type BoundCreate =
  | { readonly created: true }
  /** The key was already bound (a live binding): nothing was written. */
  | { readonly created: false; readonly existing: KeyBinding };

/**
 * Who hears about a message's status changes: its account's subscribed endpoints and its own
 * callbackUrl. Both are fixed when the message is accepted, so a copy read earlier (the dispatcher's
 * read of the message it submits) is as good as a new read, and spares one.
 */
export type MessageAudience = Pick<StoredMessage, "accountId" | "callbackUrl">;

export interface MessageRepository {
  create(message: StoredMessage): Promise<void>;
  /** The message and its key binding in one transaction; a live binding of the key wins. */
  createBound(message: StoredMessage, binding: KeyBinding): Promise<BoundCreate>;
  /** The key's live binding, read consistently (a replay is answered before any quota is taken). */
  findBinding(accountId: string, idempotencyKey: string): Promise<KeyBinding | undefined>;
  /** Strongly consistent read; expired items read as undefined. */
  get(id: string): Promise<StoredMessage | undefined>;
  /** Removes a message that never left "queued"/"scheduled" (used when enqueueing failed). */
  discard(id: string): Promise<void>;
}

export type SmsQueueId = "sms-otp" | "sms-transactional" | "sms-bulk";

export interface MessageQueue {
  enqueue(queue: SmsQueueId, messageId: string, delaySeconds?: number): Promise<void>;
}

export const queueFor = (priority: Priority): SmsQueueId =>
  priority === "otp" ? "sms-otp" : priority === "low" ? "sms-bulk" : "sms-transactional";
