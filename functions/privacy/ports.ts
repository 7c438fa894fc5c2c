import type { AuditLog } from "../audit/port.ts";
import type { Clock } from "../shared/clock.ts";
import type { FieldCipher } from "../shared/crypto.ts";
import type { Hasher } from "../shared/secrets.ts";
import type { ErasureCounts, ErasureJob } from "./schemas.ts";

/** Ports of the data-subject use cases (exports, erasures); DynamoDB/SQS/KMS adapters in store.ts. */

/** A table item to delete: catalogue table id and its key. */
export interface ItemRef {
  readonly table: "messages" | "verifications";
  readonly key: Readonly<Record<string, string>>;
}

/** What an export shows of a message, found through the byNumber index (fields parsed, never cast). */
export interface MessageRow {
  readonly id: string;
  readonly accountId: string;
  readonly status: string;
  readonly country: string;
  readonly segments: number;
  readonly createdAt: string;
  readonly scheduledAt?: string;
  readonly sentAt?: string;
  readonly deliveredAt?: string;
  readonly failedAt?: string;
  readonly cancelledAt?: string;
  readonly textCipher?: string;
  /** The Idempotency-Key binding written with the message, if any. */
  readonly binding?: ItemRef;
}

export interface VerificationRow {
  readonly id: string;
  readonly accountId: string;
  readonly channel: string;
  readonly status: string;
  readonly country: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly approvedAt?: string;
}

/** The account's items of one number, through the byNumber GSIs (numberKey = account#index). */
export interface NumberItems {
  messages(numberKey: string): Promise<MessageRow[]>;
  verifications(numberKey: string): Promise<VerificationRow[]>;
  /** Every item under a message's partition (the message and its SMPP parts) plus parts' receipt refs. */
  messageItems(
    messageId: string,
  ): Promise<readonly { ref: ItemRef; kind: "message" | "smppPart" | "smppReceiptRef" }[]>;
}

export type ErasureStatus = "pending" | "running" | "completed";

export interface StoredReceipt {
  readonly id: string;
  readonly accountId: string;
  readonly status: ErasureStatus;
  readonly counts: ErasureCounts;
  readonly requestedAt: string;
  readonly startedAt?: string;
  readonly completedAt?: string;
  readonly signature?: string;
  readonly signingKey?: Readonly<Record<string, string>>;
}

export interface ErasureStore {
  create(receipt: StoredReceipt): Promise<void>;
  /** Removes a receipt whose job never reached the queue. */
  remove(id: string): Promise<void>;
  get(id: string): Promise<StoredReceipt | undefined>;
  /** pending|running → running (startedAt kept from the first start); undefined when completed or missing. */
  start(id: string, at: string): Promise<StoredReceipt | undefined>;
  /**
   * Deletes one item and adds 1 to the receipt's count in ONE transaction, only if the item still
   * exists: a redelivered job resumes without counting anything twice. False when it was gone.
   */
  deleteCounted(erasureId: string, item: ItemRef, count: keyof ErasureCounts): Promise<boolean>;
  complete(
    id: string,
    fields: { completedAt: string; signature: string; signingKey: Readonly<Record<string, string>> },
  ): Promise<void>;
}

export interface ErasureQueue {
  enqueue(job: ErasureJob): Promise<void>;
}

/** Large exports, sealed and split into parts, kept briefly. */
export interface ExportStore {
  save(input: {
    id: string;
    accountId: string;
    items: number;
    document: string;
    expiresAt: number;
  }): Promise<void>;
  /** The document text, or undefined when missing, expired or another account's. */
  load(id: string, accountId: string, nowSeconds: number): Promise<string | undefined>;
}

/** Signs a receipt payload: compact JWS (ES256) with the platform signing key, and that key's JWK. */
export interface ReceiptSigner {
  sign(payload: string): Promise<{ jws: string; jwk: Readonly<Record<string, string>> }>;
}

export interface PrivacyDeps {
  readonly clock: Clock;
  readonly hasher: Hasher;
  readonly cipher: FieldCipher;
  readonly items: NumberItems;
  readonly erasures: ErasureStore;
  readonly queue: ErasureQueue;
  readonly exports: ExportStore;
  readonly audit: AuditLog;
  /** Above this many items an export is stored and linked (202) instead of answered inline. */
  readonly inlineExportLimit: number;
}

export interface EraserDeps {
  readonly clock: Clock;
  readonly items: NumberItems;
  readonly erasures: ErasureStore;
  readonly signer: ReceiptSigner;
  readonly audit: AuditLog;
}
