/** Request and response schemas of the operator's carrier routes (/v1/admin/carriers…). */
import * as z from "zod";
import { agreedDeliveryRate, carrierApiEntry, carrierId, qualityProbe } from "../entry-schema.ts";

/** Why the operator acts: kept in the operator log. */
const reason = z.string().trim().min(3).max(500);
const prefix = z.string().regex(/^\+[0-9]{1,15}$/, 'must be "+" followed by 1-15 digits');

export const carrierParams = z.strictObject({ carrierId });

/** POST /v1/admin/carriers: one entry of the carriers-file shape, HTTP secrets inline (sealed at once). */
export const addCarrierBody = z.strictObject({ carrier: carrierApiEntry, reason: reason.optional() });

export const updateCarrierBody = z
  .strictObject({
    name: z.string().trim().min(1).max(120).optional(),
    prefixes: z.array(prefix).min(1).max(100).optional(),
    priority: z.number().int().min(0).max(1000).optional(),
    weight: z.number().int().min(0).max(1000).optional(),
    /** true re-enables a disabled route (disabling has its own route, with a required reason). */
    enabled: z.literal(true).optional(),
    /** null removes the setting (the assessment's default applies again). */
    agreedDeliveryRate: agreedDeliveryRate.nullable().optional(),
    /** null stops the carrier's test sends. */
    qualityProbe: qualityProbe.nullable().optional(),
    /** New secrets of an http carrier, both at once (rotation). */
    apiToken: z.string().min(1).max(4096).optional(),
    dlrSecret: z
      .string()
      .regex(/^whsec_[A-Za-z0-9+/=]{8,}$/, 'must be a Standard Webhooks secret ("whsec_…")')
      .optional(),
    reason: reason.optional(),
  })
  .refine((body) => (body.apiToken === undefined) === (body.dlrSecret === undefined), {
    message: "rotate apiToken and dlrSecret together",
    path: ["apiToken"],
  })
  .refine(
    (body) => Object.entries(body).some(([field, value]) => field !== "reason" && value !== undefined),
    { message: "change at least one field" },
  );

/** Disabling takes traffic away from a carrier: the reason is required. */
export const disableCarrierBody = z.strictObject({ reason });

/** A test send to one number, or (without `to`) to the carrier's configured probe numbers. */
export const testSendBody = z.strictObject({
  to: z
    .string()
    .regex(/^\+[1-9][0-9]{6,14}$/, "must be an E.164 number")
    .optional(),
  /** The account the test message belongs to (default: the carrier's qualityProbe account). */
  accountId: z.string().max(40).optional(),
  reason: reason.optional(),
});

const rate = z.number().nullable();
export const plainFigures = z.object({
  submitted: z.number(),
  submitFailed: z.number(),
  submitSuccessRate: rate,
  delivered: z.number(),
  notDelivered: z.number(),
  deliveryRate: rate,
  timeToDlrSeconds: z.object({ p50: z.number().nullable(), p95: z.number().nullable() }),
  errorCodes: z.record(z.string(), z.number()),
  tlsShare: rate,
});
export const qualityFigures = plainFigures.extend({
  byCountry: z.record(z.string(), plainFigures).optional(),
  byPrefix: z.record(z.string(), plainFigures).optional(),
});
export const qualityReportView = z.object({
  carrierId: z.string(),
  generatedAt: z.string(),
  last24h: qualityFigures,
  last7d: qualityFigures,
});

/** A carrier route as operators see it: routing facts only, never its secrets or their ciphers. */
export const carrierView = z.object({
  carrierId: z.string(),
  name: z.string(),
  protocol: z.string(),
  baseUrl: z.string(),
  tls: z.boolean(),
  prefixes: z.array(z.string()),
  priority: z.number(),
  weight: z.number(),
  enabled: z.boolean(),
  agreedDeliveryRate: z.number().optional(),
  /** Test numbers are masked to their last 3 digits (they are people's handsets). */
  qualityProbe: z.object({ accountId: z.string(), testNumbers: z.array(z.string()) }).optional(),
});
export const carrierWithQuality = carrierView.extend({
  quality: z.object({ last24h: qualityFigures, last7d: qualityFigures }),
});
export const carrierList = z.object({ carriers: z.array(carrierWithQuality) });

export const testSendView = z.object({
  carrierId: z.string(),
  sends: z.array(z.object({ to: z.string(), messageId: z.string().optional(), outcome: z.string() })),
});
