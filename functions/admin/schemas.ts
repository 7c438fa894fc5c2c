import * as z from "zod";
import { accountStatuses } from "../identity/accounts.ts";
import {
  boundsPatchSchema,
  retentionBoundsSchema,
  retentionPatchSchema,
  retentionSettingsSchema,
} from "../retention/settings.ts";
import { idPattern } from "../shared/ids.ts";
import { STATUS_COMPONENTS } from "../status/components.ts";
import { incident, incidentImpacts, openIncidentStatuses } from "../status/incidents.ts";

/** Request and response schemas of the operator routes (/v1/admin/…). */
const countryCode = z.string().regex(/^[A-Z]{2}$/, "an ISO 3166 alpha-2 code, e.g. EE");
const countries = z.array(countryCode).min(1).max(250);
/**
 * The old single retention: shorthand for message body and metadata days (1..3650). The per-field
 * `retention` and the owner's choice range `retentionBounds` are checked by the service (422 naming
 * the field), since they depend on each other and on the account's current values.
 */
const retentionDays = z.int().min(1).max(3650);
const accountName = z.string().trim().min(1).max(120);
/** Why the operator acts: kept in both audit logs. */
const reason = z.string().trim().min(3).max(500);
/** Operator-set limits; a PATCH replaces them as a whole ({} removes them). */
const limits = z.strictObject({
  messagesPerDay: z.int().min(1).max(10_000_000).optional(),
});

export const accountParams = z.strictObject({
  accountId: z.string().regex(idPattern("acc"), "not an account id"),
});
export const userParams = accountParams.extend({
  userId: z.string().regex(idPattern("usr"), "not a user id"),
});

export const createAccountBody = z.strictObject({
  name: accountName,
  allowedCountries: countries,
  retentionDays: retentionDays.optional(),
  retention: retentionPatchSchema.optional(),
  retentionBounds: boundsPatchSchema.optional(),
  ownerEmail: z.email().max(254),
  limits: limits.optional(),
  reason: reason.optional(),
});

export const updateAccountBody = z
  .strictObject({
    name: accountName.optional(),
    allowedCountries: countries.optional(),
    retentionDays: retentionDays.optional(),
    retention: retentionPatchSchema.optional(),
    retentionBounds: boundsPatchSchema.optional(),
    limits: limits.optional(),
    reason: reason.optional(),
  })
  .refine(
    (body) =>
      body.name ??
      body.allowedCountries ??
      body.retentionDays ??
      body.retention ??
      body.retentionBounds ??
      body.limits,
    {
      message:
        "change at least one of name, allowedCountries, retentionDays, retention, retentionBounds, limits",
    },
  );

/** Suspend, reactivate, close, unlock: an optional reason (the body itself is optional). */
export const actionBody = z.strictObject({ reason: reason.optional() });
/** Resetting second factors lowers protection: the reason is required. */
export const resetMfaBody = z.strictObject({ reason });

export const listQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(512).optional(),
});

export const accountView = z.object({
  accountId: z.string(),
  name: z.string(),
  allowedCountries: z.array(z.string()),
  retentionDays: z.number().describe("retention.messageMetadataDays (its name before per-field retention)"),
  retention: retentionSettingsSchema,
  retentionBounds: retentionBoundsSchema,
  status: z.enum(accountStatuses),
  createdAt: z.string(),
  deleteDataAfter: z.string().optional(),
  limits: z.object({ messagesPerDay: z.number().optional() }).optional(),
});
export const accountList = z.object({ accounts: z.array(accountView), nextCursor: z.string().optional() });
export const createdAccount = z.object({
  accountId: z.string(),
  account: accountView,
  ownerInvitationId: z.string(),
  ownerInvitationToken: z.string(),
  ownerInvitationExpiresAt: z.string(),
});
export const adminUserView = z.object({
  accountId: z.string(),
  userId: z.string(),
  email: z.string(),
  role: z.string(),
  status: z.string(),
  mfa: z.object({ totp: z.boolean(), sms: z.boolean(), recoveryCodesLeft: z.number() }),
});

/** Status-page incidents: public text, so plain length-bounded strings (the page escapes them). */
const incidentMessage = z.string().trim().min(3).max(2000);
export const incidentParams = z.strictObject({
  incidentId: z.string().regex(idPattern("inc"), "not an incident id"),
});
export const postIncidentBody = z.strictObject({
  title: z.string().trim().min(3).max(200),
  impact: z.enum(incidentImpacts),
  components: z
    .array(z.enum(STATUS_COMPONENTS.map((component) => component.id)))
    .min(1)
    .max(STATUS_COMPONENTS.length),
  message: incidentMessage,
});
export const updateIncidentBody = z.strictObject({
  status: z.enum(openIncidentStatuses),
  message: incidentMessage,
});
export const resolveIncidentBody = z.strictObject({ message: incidentMessage });
export const incidentView = incident;

/** Dead letters: a catalogue queue id, where its records wait, and how many one call handles. */
export const deadLetterParams = z.strictObject({
  queue: z.string().regex(/^[a-z0-9-]{1,60}$/, "a queue id, e.g. sms-transactional"),
});
const deadLetterSource = z.enum(["dlq", "parked"]).default("dlq");
export const peekDeadLettersQuery = z.strictObject({
  source: deadLetterSource,
  limit: z.coerce.number().int().min(1).max(50).default(10),
});
/** At most 200 records per call (the function has 10 s); the CLI calls again while `remaining` > 0. */
const moveLimit = z.int().min(1).max(200).default(100);
export const redriveBody = z.strictObject({
  source: deadLetterSource,
  limit: moveLimit,
  reason: reason.optional(),
});
export const discardBody = z.strictObject({ source: deadLetterSource, limit: moveLimit, reason });

const queueDepth = z.object({ waiting: z.number(), inFlight: z.number() });
export const deadLetterCounts = z.object({
  queues: z.array(z.object({ queue: z.string(), deadLetters: queueDepth, parked: queueDepth.optional() })),
});
/** Ids only (msg_…, acc_…): bodies may hold what operators must not see, so they never leave. */
export const deadLetterPeek = z.object({
  queue: z.string(),
  source: z.enum(["dlq", "parked"]),
  records: z.array(
    z.object({
      sqsMessageId: z.string(),
      receiveCount: z.number(),
      sentAt: z.string().optional(),
      firstReceivedAt: z.string().optional(),
      ids: z.record(z.string(), z.string()),
    }),
  ),
});
export const deadLetterMove = z.object({
  queue: z.string(),
  source: z.enum(["dlq", "parked"]),
  count: z.number(),
  failed: z.number(),
  remaining: z.number(),
});
