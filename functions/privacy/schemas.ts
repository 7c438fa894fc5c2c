import * as z from "zod";
import { phoneNumber } from "../messages/phone-schema.ts";
import { idPattern } from "../shared/ids.ts";

/** Request and response schemas of /v1/privacy (they also feed the OpenAPI document). */
export const dataSubjectBody = z
  .object({
    phone: phoneNumber.meta({ description: "The data subject's number (E.164)", example: "+37255512345" }),
  })
  .strict();

export const exportParams = z.object({ exportId: z.string().regex(idPattern("dsx")) });
export const erasureParams = z.object({ erasureId: z.string().regex(idPattern("dse")) });

const isoTime = z.string().meta({ description: "ISO-8601 UTC" });

export const exportedMessage = z.object({
  id: z.string(),
  status: z.string(),
  country: z.string(),
  segments: z.number().int(),
  createdAt: isoTime,
  scheduledAt: isoTime.optional(),
  sentAt: isoTime.optional(),
  deliveredAt: isoTime.optional(),
  failedAt: isoTime.optional(),
  cancelledAt: isoTime.optional(),
  /** null once the text is no longer retained (OTP texts are dropped after sending). */
  text: z.string().nullable().meta({ description: "The text while still retained, else null" }),
});

export const exportedVerification = z.object({
  id: z.string(),
  channel: z.string(),
  status: z.string(),
  country: z.string(),
  createdAt: isoTime,
  updatedAt: isoTime,
  approvedAt: isoTime.optional(),
});

export const exportDocument = z
  .object({
    /** Masked: the caller knows the number; the document should not spread it further. */
    phone: z.string().meta({ description: "The number, masked to its last 3 digits" }),
    generatedAt: isoTime,
    messages: z.array(exportedMessage),
    verifications: z.array(exportedVerification),
    /** Textgate keeps no opt-out list of its own (carriers keep theirs): always empty. */
    optOuts: z.array(z.object({ createdAt: isoTime })),
  })
  .meta({ description: "Everything held about one number in the account" });

export const exportPending = z
  .object({
    id: z.string(),
    items: z.number().int().meta({ description: "Messages and verifications in the export" }),
    url: z.string().meta({ description: "GET it (same credentials) for the export document" }),
    expiresAt: isoTime,
  })
  .meta({ description: "A large export: fetch it from url within 24 h" });

export const erasureCounts = z.object({
  messages: z.number().int(),
  smppParts: z.number().int(),
  /** SMPP receipt references (SMPPID#…) that pointed at a deleted part. */
  smppReceiptRefs: z.number().int(),
  idempotencyRecords: z.number().int(),
  verifications: z.number().int(),
  verificationPointers: z.number().int(),
});
export type ErasureCounts = z.infer<typeof erasureCounts>;
export const ERASURE_COUNT_NAMES = Object.keys(erasureCounts.shape) as (keyof ErasureCounts)[];

export const erasureStatus = z.enum(["pending", "running", "completed"]);

export const erasureAccepted = z.object({ id: z.string(), status: erasureStatus });

export const signingKeyJwk = z
  .object({ kty: z.string(), crv: z.string(), x: z.string(), y: z.string(), kid: z.string() })
  .meta({ description: "Public key (JWK) of the platform signing key; its kid is the JWS header's kid" });

export const erasureReceipt = z
  .object({
    id: z.string(),
    accountId: z.string(),
    status: erasureStatus,
    counts: erasureCounts,
    requestedAt: isoTime,
    startedAt: isoTime.optional(),
    completedAt: isoTime.optional(),
    signature: z.string().optional().meta({
      description:
        "Once completed: compact JWS (ES256) whose payload is the canonical JSON (RFC 8785) of {accountId, completedAt, counts, id, startedAt, status}; see docs/privacy.md",
    }),
    signingKey: signingKeyJwk.optional(),
  })
  .meta({ description: "Erasure receipt; signed once completed" });

/** One erasure job on the privacy-erasures queue: the blind index, never the number. */
export const erasureJob = z.object({
  erasureId: z.string().regex(idPattern("dse")),
  accountId: z.string(),
  toIndex: z.string().regex(/^[0-9a-f]{64}$/),
});
export type ErasureJob = z.infer<typeof erasureJob>;
