import type { AuditLog } from "../audit/port.ts";
import type { Clock } from "../shared/clock.ts";
import type { FieldCipher } from "../shared/crypto.ts";
import type { Hasher } from "../shared/secrets.ts";
import type { WebhookEventPublisher } from "../webhooks/publish.ts";
import type { FraudCounters, FraudPolicy } from "./fraud-guard.ts";
import type { SlidingLimiter, VerificationNamespace } from "./limits.ts";

export type StoredStatus = "pending" | "approved" | "failed" | "cancelled";
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
  readonly updatedAt: string;
  readonly approvedAt?: string;
}

/** The fields a resend replaces. */
export interface ResendChange {
  readonly codeHash: string;
  readonly codeExpiresAt: number;
  readonly expiresAt: number;
  readonly locale: string;
  readonly updatedAt: string;
}

/** What a check saw when it read the item: the write only succeeds if nothing changed since. */
export interface SeenState {
  readonly accountId: string;
  readonly checkAttempts: number;
  readonly codeHash: string;
  readonly nowSeconds: number;
}

export type WriteOutcome = "ok" | "conflict";

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
  ): Promise<WriteOutcome>;
  /** New code for a pending, unexpired verification; keeps checkAttempts. */
  resend(
    id: string,
    accountId: string,
    change: ResendChange,
    nowSeconds: number,
  ): Promise<VerificationRecord | "conflict">;
  /** The one conditional write of a wrong check: attempts + 1, and `failed` at the limit. */
  recordWrongCode(id: string, seen: SeenState, failed: boolean, updatedAt: string): Promise<WriteOutcome>;
  /** The one conditional write of a right check: pending → approved. */
  approve(id: string, seen: SeenState, updatedAt: string): Promise<WriteOutcome>;
  cancel(id: string, accountId: string, nowSeconds: number, updatedAt: string): Promise<WriteOutcome>;
}

/** Sends the OTP text; implemented with the messaging service (priority "otp"). */
export type SendOtpSms = (input: {
  readonly accountId: string;
  readonly to: string;
  readonly text: string;
  readonly validitySeconds: number;
  readonly requireTls: boolean;
  readonly tag: string;
}) => Promise<{ readonly messageId: string }>;

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
  readonly sendOtpSms: SendOtpSms;
  readonly audit: AuditLog;
  readonly metrics: VerifyMetrics;
  readonly settings: VerifySettings;
  /**
   * Customer webhooks for outcomes (approved, failed). Only the public Verify API sets it: the
   * platform's own sign-in codes (identity) are not the customer's verifications.
   */
  readonly events?: WebhookEventPublisher;
}
