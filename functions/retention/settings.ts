import * as z from "zod";
import type { FieldError } from "../shared/problem.ts";

/**
 * Per-account retention (minimal processing): how long message bodies, message metadata and
 * verifications are kept. The owner picks the values (PATCH /v1/account/settings) within bounds the
 * operator sets per account (admin account create/update). Enforced three ways: the items' TTL
 * (`expiresAt`, `bodyExpiresAt`), a read filter (an expired item or body is never returned), and the
 * scheduled purge (functions/retention/purge.ts), which applies the CURRENT settings to existing data.
 */
export const retentionFields = ["messageBodyDays", "messageMetadataDays", "verificationDays"] as const;
export type RetentionField = (typeof retentionFields)[number];

export interface RetentionSettings {
  /** 0 = the body is dropped as soon as the message is sent or reaches a final status. */
  readonly messageBodyDays: number;
  readonly messageMetadataDays: number;
  readonly verificationDays: number;
}

export interface DayRange {
  readonly min: number;
  readonly max: number;
}

export type RetentionBounds = Readonly<Record<RetentionField, DayRange>>;

/** What the platform allows at all (the old single retentionDays took 1..3650). */
export const PLATFORM_LIMITS: RetentionBounds = {
  messageBodyDays: { min: 0, max: 3650 },
  messageMetadataDays: { min: 1, max: 3650 },
  verificationDays: { min: 1, max: 3650 },
};

/**
 * Messages as before (30 days); verifications one day after their code expiry, the grace they had
 * before per-field retention (GET shows approved/expired for that long).
 */
export const DEFAULT_RETENTION: RetentionSettings = {
  messageBodyDays: 30,
  messageMetadataDays: 30,
  verificationDays: 1,
};

/** Bounds an account gets unless the operator says otherwise: a year of anything, bodies optional. */
export const DEFAULT_BOUNDS: RetentionBounds = {
  messageBodyDays: { min: 0, max: 365 },
  messageMetadataDays: { min: 1, max: 365 },
  verificationDays: { min: 1, max: 365 },
};

const days = z.int().min(0).max(3650);
const range = z.object({ min: days, max: days });

export const retentionSettingsSchema = z.object({
  messageBodyDays: days,
  messageMetadataDays: days,
  verificationDays: days,
});
export const retentionBoundsSchema = z.object({
  messageBodyDays: range,
  messageMetadataDays: range,
  verificationDays: range,
});

/** A partial change of settings (owner PATCH, operator create/update). */
export const retentionPatchSchema = z.strictObject({
  messageBodyDays: days.optional(),
  messageMetadataDays: days.optional(),
  verificationDays: days.optional(),
});
export const boundsPatchSchema = z.strictObject({
  messageBodyDays: range.optional(),
  messageMetadataDays: range.optional(),
  verificationDays: range.optional(),
});
export type RetentionPatch = z.infer<typeof retentionPatchSchema>;
export type BoundsPatch = z.infer<typeof boundsPatchSchema>;

/**
 * Retention of a stored account item. Items from before per-field retention carry one
 * `retentionDays` (it governed whole messages): it becomes body and metadata days; verifications
 * keep the default (they had their own fixed grace then). Their bounds are the defaults widened to hold those values, so a
 * legacy account is never out of its own bounds.
 */
export function retentionOfItem(item: Record<string, unknown>): {
  retention: RetentionSettings;
  retentionBounds: RetentionBounds;
} {
  const stored = retentionSettingsSchema.safeParse(item.retention);
  const legacyDays = z.int().min(1).safeParse(item.retentionDays);
  const retention: RetentionSettings = stored.success
    ? stored.data
    : legacyDays.success
      ? {
          messageBodyDays: legacyDays.data,
          messageMetadataDays: legacyDays.data,
          verificationDays: DEFAULT_RETENTION.verificationDays,
        }
      : DEFAULT_RETENTION;
  const bounds = retentionBoundsSchema.safeParse(item.retentionBounds);
  return { retention, retentionBounds: bounds.success ? bounds.data : widen(DEFAULT_BOUNDS, retention) };
}

function widen(bounds: RetentionBounds, settings: RetentionSettings): RetentionBounds {
  const entry = (field: RetentionField): DayRange => ({
    min: Math.min(bounds[field].min, settings[field]),
    max: Math.max(bounds[field].max, settings[field]),
  });
  return {
    messageBodyDays: entry("messageBodyDays"),
    messageMetadataDays: entry("messageMetadataDays"),
    verificationDays: entry("verificationDays"),
  };
}

export const applyRetentionPatch = (
  current: RetentionSettings,
  patch: RetentionPatch,
): RetentionSettings => ({
  messageBodyDays: patch.messageBodyDays ?? current.messageBodyDays,
  messageMetadataDays: patch.messageMetadataDays ?? current.messageMetadataDays,
  verificationDays: patch.verificationDays ?? current.verificationDays,
});

export const applyBoundsPatch = (current: RetentionBounds, patch: BoundsPatch): RetentionBounds => ({
  messageBodyDays: patch.messageBodyDays ?? current.messageBodyDays,
  messageMetadataDays: patch.messageMetadataDays ?? current.messageMetadataDays,
  verificationDays: patch.verificationDays ?? current.verificationDays,
});

/** Field errors of bounds the operator sets: inside the platform limits, min ≤ max. */
export function boundsErrors(bounds: RetentionBounds, prefix = "retentionBounds"): FieldError[] {
  const errors: FieldError[] = [];
  for (const field of retentionFields) {
    const { min, max } = bounds[field];
    const limit = PLATFORM_LIMITS[field];
    if (min > max) errors.push({ field: `${prefix}.${field}`, message: `min ${min} is above max ${max}` });
    if (min < limit.min || max > limit.max) {
      errors.push({
        field: `${prefix}.${field}`,
        message: `must lie within ${limit.min}..${limit.max} days`,
      });
    }
  }
  return errors;
}

/**
 * Field errors of settings against the account's bounds. A body never outlives its message item
 * (the item's TTL removes both), so body days above metadata days are refused rather than silently
 * shortened.
 */
export function settingsErrors(
  settings: RetentionSettings,
  bounds: RetentionBounds,
  prefix = "retention",
): FieldError[] {
  const errors: FieldError[] = [];
  for (const field of retentionFields) {
    const { min, max } = bounds[field];
    if (settings[field] < min || settings[field] > max) {
      errors.push({
        field: `${prefix}.${field}`,
        message: `must be between ${min} and ${max} days (the bounds set for this account)`,
      });
    }
  }
  if (settings.messageBodyDays > settings.messageMetadataDays) {
    errors.push({
      field: `${prefix}.messageBodyDays`,
      message: "cannot be longer than messageMetadataDays",
    });
  }
  return errors;
}

export const DAY_SECONDS = 24 * 3600;

const clamp = (value: number, range: DayRange): number => Math.min(range.max, Math.max(range.min, value));

/**
 * What an operator's create/update makes of an account's retention. `retentionDays` (the old single
 * value) sets body and metadata days. Values the operator names must lie in the resulting bounds;
 * values they leave alone are moved into narrowed bounds (the operator's bounds win, and the purge
 * then applies the shorter retention to existing data). Throws nothing: returns the field errors
 * (bounds beyond the platform limits, values outside bounds the operator also named).
 */
export function operatorRetention(
  current: { readonly retention: RetentionSettings; readonly retentionBounds: RetentionBounds },
  input: { retentionDays?: number; retention?: RetentionPatch; retentionBounds?: BoundsPatch },
): { retention: RetentionSettings; retentionBounds: RetentionBounds; errors: FieldError[] } {
  const named: RetentionPatch = {
    ...(input.retentionDays !== undefined
      ? { messageBodyDays: input.retentionDays, messageMetadataDays: input.retentionDays }
      : {}),
    ...(input.retention ?? {}),
  };
  // A value the operator names without naming that field's bounds widens them to hold it: the
  // operator decides both, and the old single retentionDays (1..3650) keeps working as it did.
  const widened: BoundsPatch = Object.fromEntries(
    retentionFields.flatMap((field) => {
      const value = named[field];
      if (value === undefined || input.retentionBounds?.[field]) return [];
      const range = current.retentionBounds[field];
      return [[field, { min: Math.min(range.min, value), max: Math.max(range.max, value) }]];
    }),
  );
  const retentionBounds = applyBoundsPatch(current.retentionBounds, { ...widened, ...input.retentionBounds });
  const kept = (field: RetentionField): number =>
    named[field] ?? clamp(current.retention[field], retentionBounds[field]);
  const metadataDays = kept("messageMetadataDays");
  const retention: RetentionSettings = {
    messageBodyDays: named.messageBodyDays ?? Math.min(kept("messageBodyDays"), metadataDays),
    messageMetadataDays: metadataDays,
    verificationDays: kept("verificationDays"),
  };
  const bounds = boundsErrors(retentionBounds);
  return {
    retention,
    retentionBounds,
    errors: bounds.length > 0 ? bounds : settingsErrors(retention, retentionBounds),
  };
}

/** Whether two settings differ (what an audit entry records). */
export const sameRetention = (a: RetentionSettings, b: RetentionSettings): boolean =>
  retentionFields.every((field) => a[field] === b[field]);

/** Audit details of a change: old and new value of every field, flat (audit details are scalars). */
export function retentionChangeDetails(
  before: RetentionSettings,
  after: RetentionSettings,
): Record<string, number> {
  const details: Record<string, number> = {};
  for (const field of retentionFields) {
    details[`old.${field}`] = before[field];
    details[`new.${field}`] = after[field];
  }
  return details;
}

/** The longest any of an account's data is kept: a closed account's data goes after this. */
export const longestRetentionDays = (settings: RetentionSettings): number =>
  Math.max(settings.messageMetadataDays, settings.verificationDays, settings.messageBodyDays);
