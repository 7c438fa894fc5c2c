import * as z from "zod";
import { storedCreatedBy } from "../shared/principal.ts";
import { type CoversEveryField, parseStoredItem } from "../shared/stored-item.ts";
import type { VerificationNamespace } from "./limits.ts";
import type { StoredStatus, VerificationRecord } from "./ports.ts";

const namespaces = ["api", "dashboard"] as const satisfies readonly VerificationNamespace[];
const storedStatuses = [
  "pending",
  "approved",
  "failed",
  "cancelled",
  "expired",
] as const satisfies readonly StoredStatus[];

/**
 * A verification item of the `verifications` table. Attributes that are not record fields (pk,
 * numberKey, the outbox index keys, pendingEvents) are dropped by the parse.
 */
const storedVerification = z.object({
  id: z.string(),
  accountId: z.string(),
  // Items written before namespaces existed were all API verifications.
  namespace: z.enum(namespaces).default("api"),
  channel: z.literal("sms"),
  status: z.enum(storedStatuses),
  toEncrypted: z.string(),
  toIndex: z.string(),
  toMasked: z.string(),
  country: z.string(),
  prefix: z.string(),
  codeHash: z.string(),
  codeLength: z.number(),
  locale: z.string(),
  checkAttempts: z.number(),
  sendAttempts: z.number(),
  codeExpiresAt: z.number(),
  expirySeconds: z.number(),
  expiresAt: z.number(),
  createdAt: z.string(),
  // Absent on sign-in codes and on items from before the creating principal was recorded.
  createdBy: storedCreatedBy.optional(),
  updatedAt: z.string(),
  approvedAt: z.string().optional(),
  // Before message ids were kept, none were recorded.
  messageIds: z.array(z.string()).default([]),
});

/** Does not compile while a field of VerificationRecord is missing from the schema. */
export const schemaCoversVerificationRecord: CoversEveryField<
  VerificationRecord,
  z.output<typeof storedVerification>
> = true;

/**
 * A stored verification item as a record (the store's reads and the webhook outbox sweeper). A
 * malformed item throws MalformedItemError (table and field, never the value): a verification that
 * cannot be read cannot be checked, resent or expired safely, so its reader fails loudly (an API
 * call answers 500; the sweeper logs it and goes on with the other items).
 */
export function verificationRecordOf(item: Readonly<Record<string, unknown>>): VerificationRecord {
  return parseStoredItem("verifications", storedVerification, item);
}
