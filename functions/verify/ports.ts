import type { AuditLog } from "../audit/port.ts";
import type { StoredMessage } from "../messages/model.ts";
import type { Clock } from "../shared/clock.ts";
import type { FieldCipher } from "../shared/crypto.ts";
import type { CreatedBy } from "../shared/principal.ts";
import type { Hasher } from "../shared/secrets.ts";
import type { Outbox } from "../webhooks/outbox.ts";
import type { WebhookEventPublisher } from "../webhooks/publish.ts";
import type { FraudCounters, FraudPolicy } from "./fraud-guard.ts";
import type { SlidingLimiter, VerificationNamespace } from "./limits.ts";
import type { VerificationView } from "./view.ts";

/** "expired" is written by the outbox sweeper (verification.expired); until then expiry is read-time. */
export type StoredStatus = "pending" | "approved" | "failed" | "cancelled" | "expired";
/** What clients see: a pending verification past its code expiry reads as "expired". */
export type VerificationStatus = StoredStatus | "expired";

/** One verification as stored (table `verifications`, pk = id). Holds no code and no clear number. */
export interface VerificationRecord {
  readonly id: string;
  readonly accountId: string;
  /** "dashboard" for Textgate's own sign-in codes: never found, resent or checked via the API. */
  readonly namespace: VerificationNamespace;
  readonly channel: "sms";
  readonly status: StoredStatus;
  /** Number encrypted with the data key, bound to {accountId, field}. */
  readonly toEncrypted: string;
  /** HMAC blind index of the number (resend pointer, rate limits). */
  readonly toIndex: string;
  readonly toMasked: string;
  readonly country: string;
  readonly prefix: string;
  /** HMAC("otp", id:e164:code) of the current code; replaced on every resend. */
  readonly codeHash: string;
  readonly codeLength: number;
  readonly locale: string;
  /** Wrong codes so far (never reset by a resend). */
  readonly checkAttempts: number;
  readonly sendAttempts: number;
  /** Epoch seconds: the current code is refused from this moment. */
  readonly codeExpiresAt: number;
  readonly expirySeconds: number;
  /** TTL (epoch seconds) = code expiry + grace; reads treat the item as gone from then. */
  readonly expiresAt: number;
  readonly createdAt: string;
  /** The API key or user that started it; absent for sign-in codes and items from before. */
  readonly createdBy?: CreatedBy;
  readonly updatedAt: string;
  readonly approvedAt?: string;
  /**
   * The OTP messages sent for it, oldest first (one per start/resend). When the verification closes
   * (or a resend kills the previous code) the ones still queued are cancelled, dropping their text.
   */
  readonly messageIds: readonly string[];
}

/** The fields a resend replaces. */
export interface ResendChange {
  readonly codeHash: string;
  readonly codeExpiresAt: number;
  readonly expiresAt: number;
  readonly locale: string;
  readonly updatedAt: string;
  /** The OTP message carrying the new code (written in the same transaction). */
  readonly messageId: string;
  /** sendAttempts as read: a concurrent resend makes this one a conflict (retried). */
  readonly seenSendAttempts: number;
}

/** What a check saw when it read the item: the write only succeeds if nothing changed since. */
export interface SeenState {
  readonly accountId: string;
  readonly checkAttempts: number;
  readonly codeHash: string;
  readonly nowSeconds: number;
}

export type WriteOutcome = "ok" | "conflict";
/** "key-taken": the Idempotency-Key is bound already (or being bound right now); nothing written. */
export type StartWriteOutcome = WriteOutcome | "key-taken";

/**
 * An Idempotency-Key of POST /v1/verifications bound to what it started: written in the same
 * transaction as the verification and its OTP message, so there is no moment where a code went
 * out without its key being bound (a retry then replays; it never sends a second code).
 */
export interface StartKeyBinding {
  readonly accountId: string;
  readonly idempotencyKey: string;
  readonly verificationId: string;
  readonly messageId: string;
  /** sha256 of the normalised request: same key + other request → 409. */
  readonly requestHash: string;
  /** The 201 body of the request that bound the key. */
  readonly response: VerificationView;
  /** Epoch seconds (TTL). */
  readonly expiresAt: number;
}

/** What a start writes beside the verification, atomically. */
export interface StartWrite {
  readonly message: StoredMessage;
  readonly binding?: StartKeyBinding;
}

export interface CurrentVerification {
  readonly pointerId?: string;
  readonly record?: VerificationRecord;
}

export interface VerificationStore {
  /** Consistent read; undefined when missing or past its TTL. */
  get(id: string, nowSeconds: number): Promise<VerificationRecord | undefined>;
  /**
   * The latest verification of (namespace, account, number): the pointer's target id and, if still
   * readable and of that namespace, the record.
   */
  current(
    namespace: VerificationNamespace,
    accountId: string,
    toIndex: string,
    nowSeconds: number,
  ): Promise<CurrentVerification>;
  /**
   * Stores a new verification and points (account, number) at it, atomically. "conflict" when the
   * pointer changed since it was read (`replacing` = the id it held then; a concurrent start won).
   */
  create(
    record: VerificationRecord,
    replacing: string | undefined,
    nowSeconds: number,
    write: StartWrite,
  ): Promise<StartWriteOutcome>;
  /** New code for a pending, unexpired verification; keeps checkAttempts. */
  resend(
    record: VerificationRecord,
    change: ResendChange,
    nowSeconds: number,
    write: StartWrite,
  ): Promise<VerificationRecord | "conflict" | "key-taken">;
  /** A live binding of this account's Idempotency-Key (consistent read). */
  findBinding(
    accountId: string,
    idempotencyKey: string,
    nowSeconds: number,
  ): Promise<StartKeyBinding | undefined>;
  /**
   * The one conditional write of a wrong check: attempts + 1, and `failed` at the limit. With
   * `withEvent` a move to failed records verification.failed as pending (webhook outbox).
   */
  recordWrongCode(
    id: string,
    seen: SeenState,
    failed: boolean,
    updatedAt: string,
    withEvent?: boolean,
  ): Promise<WriteOutcome>;
  /** The one conditional write of a right check: pending → approved (+ verification.approved pending). */
  approve(id: string, seen: SeenState, updatedAt: string, withEvent?: boolean): Promise<WriteOutcome>;
  cancel(id: string, accountId: string, nowSeconds: number, updatedAt: string): Promise<WriteOutcome>;
  /**
   * pending past its code expiry → expired, recording verification.expired as pending in the same
   * write. "conflict" when it is no longer pending or not expired yet (a resend moved the expiry).
   */
  expire(id: string, nowSeconds: number, updatedAt: string): Promise<WriteOutcome>;
}

/**
 * OTP texts through the messaging pipeline (priority "otp"). A start prepares the message, writes
 * it in its own transaction (StartWrite), then enqueues it.
 */
export interface OtpTexts {
  /** Prices and seals the text; writes nothing. */
  prepare(input: {
    readonly accountId: string;
    readonly to: string;
    readonly text: string;
    readonly validitySeconds: number;
    readonly requireTls: boolean;
    readonly tag: string;
    readonly createdBy?: CreatedBy;
  }): Promise<StoredMessage>;
  /** Puts a stored OTP message on the otp queue. */
  enqueue(message: StoredMessage): Promise<void>;
  /** Enqueues it again if it is still waiting (a replayed start whose first attempt died). */
  requeueIfQueued(messageId: string): Promise<void>;
  /** queued|scheduled → cancelled, which drops its encrypted text; false if it already left. */
  cancelQueued(messageId: string, at: string): Promise<boolean>;
}

/** Countries an account may send codes to (Account.allowedCountries). */
export type AllowedCountries = (accountId: string) => Promise<readonly string[]>;

export interface VerifyMetrics {
  sent(country: string): void;
  approved(country: string): void;
  blocked(country: string, reason: string): void;
  /** Conversion (0..1) over the recent window, with whether it is below the alert threshold. */
  conversion(country: string, rate: number, low: boolean): void;
  prefixConversionLow(country: string): void;
}

export interface VerifySettings {
  readonly defaultExpirySeconds: number;
  readonly maxCheckAttempts: number;
  /** Items stay readable (GET shows approved/expired) this long after the code expiry. */
  readonly graceSeconds: number;
  /** Restrict OTP texts to TLS-capable carrier routes. */
  readonly requireTls: boolean;
}

export interface VerifyDeps {
  readonly clock: Clock;
  readonly store: VerificationStore;
  readonly hasher: Hasher;
  readonly cipher: FieldCipher;
  readonly limiter: SlidingLimiter;
  readonly fraudCounters: FraudCounters;
  readonly fraudPolicy: FraudPolicy;
  readonly allowedCountries: AllowedCountries;
  /**
   * The account's verification retention in days (Account.retention.verificationDays): a
   * verification is kept that long after its code expires. Without it, settings.graceSeconds.
   */
  readonly verificationDays?: (accountId: string) => Promise<number | undefined>;
  readonly otpTexts: OtpTexts;
  readonly audit: AuditLog;
  readonly metrics: VerifyMetrics;
  readonly settings: VerifySettings;
  /**
   * Customer webhooks for outcomes (approved, failed). Only the public Verify API sets it: the
   * platform's own sign-in codes (identity) are not the customer's verifications.
   */
  readonly events?: WebhookEventPublisher;
  /** Where published events are cleared (default: the DynamoDB outbox on the verification item). */
  readonly outbox?: Outbox;
}
