import * as z from "zod";
import { idPattern } from "../shared/ids.ts";

/**
 * POST /v1/admin/incidents/exposure: what a compromised API key, user, carrier or function could
 * have exposed in a time window, per account. One request scans for a bounded time; the answer
 * then carries `nextCursor` and the counts of the part scanned so far. Callers send the cursor back
 * with the same body and add the pages up (the CLI does): the report is complete when no
 * nextCursor comes back.
 */
const isoInstant = z.iso.datetime({ offset: true }).transform((value) => new Date(value).toISOString());

export const exposureScope = z.union([
  z.strictObject({ apiKey: z.string().regex(idPattern("key"), "not an API key id") }),
  z.strictObject({ user: z.string().regex(idPattern("usr"), "not a user id") }),
  z.strictObject({ carrier: z.string().trim().min(1).max(64) }),
  z.strictObject({ function: z.string().trim().min(1).max(64) }),
  z.strictObject({ all: z.literal(true) }),
]);
export type ExposureScope = z.infer<typeof exposureScope>;

export const exposureBody = z
  .strictObject({
    from: isoInstant,
    to: isoInstant,
    scope: exposureScope,
    cursor: z.string().max(4096).optional(),
  })
  .refine((body) => body.from < body.to, { message: "from must be before to", path: ["to"] });
export type ExposureRequest = z.infer<typeof exposureBody>;

/**
 * Data classes: numbers (full phone numbers), bodies (message texts), codes (OTP codes inside OTP
 * texts), credentials (API keys, invitations, password and key hashes), metadata (masked numbers,
 * statuses, prices: what the customer API shows).
 */
export const dataClasses = ["numbers", "bodies", "codes", "credentials", "metadata"] as const;
export type DataClass = (typeof dataClasses)[number];

const counts = z.object({
  numbers: z.int(),
  bodies: z.int(),
  codes: z.int(),
  credentials: z.int(),
  metadata: z.int(),
});
export type ClassCounts = z.infer<typeof counts>;

const recordCounts = z.object({
  messages: z.int(),
  verifications: z.int(),
  auditEvents: z.int(),
  credentialItems: z.int(),
});
export type RecordCounts = z.infer<typeof recordCounts>;

/** A masked sample: an id and a masked number (+********345); never a body or a code. */
export const exposureSample = z.object({
  kind: z.enum(["message", "verification", "auditEvent", "credential"]),
  id: z.string(),
  to: z.string().optional(),
});
export type ExposureSample = z.infer<typeof exposureSample>;

export const accountExposure = z.object({
  accountId: z.string(),
  /** Who created the items counted: "apiKey:key_…", "user:usr_…", or "unknown" (older items). */
  principals: z.array(z.string()),
  classes: counts,
  records: recordCounts,
  samples: z.array(exposureSample),
});
export type AccountExposure = z.infer<typeof accountExposure>;

export const exposurePage = z.object({
  from: z.string(),
  to: z.string(),
  scope: z.object({ kind: z.enum(["apiKey", "user", "carrier", "function", "all"]), id: z.string() }),
  /** For apiKey/user: the principal's account and what it could read through the customer API. */
  principal: z
    .object({
      type: z.enum(["apiKey", "user"]),
      id: z.string(),
      accountId: z.string(),
      status: z.string(),
      canRead: z.array(z.enum(["messages", "verifications"])),
    })
    .optional(),
  /** The data classes the scope can reach at all (function scope: from the catalogue grants). */
  reachable: z.array(z.enum(dataClasses)),
  accounts: z.array(accountExposure),
  /** Items this page looked at (scanned), per table. */
  scanned: z.object({ messages: z.int(), verifications: z.int(), accounts: z.int(), audit: z.int() }),
  nextCursor: z.string().optional(),
});
export type ExposurePage = z.infer<typeof exposurePage>;
