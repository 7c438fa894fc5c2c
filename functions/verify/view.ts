import type { VerificationRecord, VerificationStatus } from "./ports.ts";

/** A pending verification past its code expiry is expired; the stored status stays "pending". */
export function effectiveStatus(record: VerificationRecord, nowSeconds: number): VerificationStatus {
  if (record.status === "pending" && record.codeExpiresAt <= nowSeconds) return "expired";
  return record.status;
}

export const attemptsRemaining = (record: VerificationRecord, maxCheckAttempts: number): number =>
  record.status === "pending" ? Math.max(0, maxCheckAttempts - record.checkAttempts) : 0;

/** What the API returns for a verification: masked number, no code, no hashes. */
export interface VerificationView {
  readonly id: string;
  readonly status: VerificationStatus;
  readonly to: string;
  readonly channel: "sms";
  readonly expiresAt: string;
  readonly sendAttempts: number;
  readonly attemptsRemaining: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly approvedAt?: string;
}

export function toView(
  record: VerificationRecord,
  nowSeconds: number,
  maxCheckAttempts: number,
): VerificationView {
  const status = effectiveStatus(record, nowSeconds);
  return {
    id: record.id,
    status,
    to: record.toMasked,
    channel: record.channel,
    expiresAt: new Date(record.codeExpiresAt * 1000).toISOString(),
    sendAttempts: record.sendAttempts,
    attemptsRemaining: status === "pending" ? attemptsRemaining(record, maxCheckAttempts) : 0,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    ...(record.approvedAt ? { approvedAt: record.approvedAt } : {}),
  };
}
