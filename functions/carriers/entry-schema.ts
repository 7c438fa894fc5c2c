/**
 * ONE carrier entry shape for the carriers file (`npm start -- --carriers <file>`, local/carrier-config.ts)
 * and the operator API (`POST /v1/admin/carriers`, `textgate carriers add`). The route part (id,
 * type, prefixes, priority, link security, quality settings) is defined once here; the two sources
 * differ only in how secrets arrive:
 *   - the file names environment variables (`passwordEnv`, `dlrSecretEnv`) and holds SMPP bind
 *     details (host, systemId, window, tps) for the local connector;
 *   - the signed operator API carries the HTTP carrier's secrets inline (`apiToken`, `dlrSecret`),
 *     which the function seals with the field key at once and never logs. SMPP binds on a deployed
 *     stage live in the connector's own configuration, so the API's smpp entry is the route only.
 */
import * as z from "zod";
import { idPattern } from "../shared/ids.ts";
import type { RegisterCarrierInput } from "./store.ts";

/** A carrier's id (the sort key of its record; in DLR URLs). */
export const CARRIER_ID = /^[a-z0-9][a-z0-9-]{1,31}$/;
export const carrierId = z.string().regex(CARRIER_ID, "must be 2-32 of a-z, 0-9 and -");
const prefix = z.string().regex(/^\+[0-9]{1,15}$/, 'must be "+" followed by 1-15 digits');
const e164 = z.string().regex(/^\+[1-9][0-9]{6,14}$/, "must be an E.164 number like +37250000001");
export const host = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[A-Za-z0-9.-]+$|^\[[0-9A-Fa-f:]+\]$/, "must be a host name or address");
export const port = z.number().int().min(1).max(65535);

/** Proactive test sends (quality/test-sends.ts): numbers the operator owns, billed to their account. */
export const qualityProbe = z.strictObject({
  accountId: z.string().regex(idPattern("acc"), "must be an account id (acc_…)"),
  testNumbers: z.array(e164).min(1).max(10),
});
/** Delivery rate agreed with the carrier; below it over 24 h the assessment alarms. */
export const agreedDeliveryRate = z.number().gt(0, "must be above 0").max(1, "must be at most 1");

/** What every route entry may say, whatever its type. */
export const routeFields = {
  id: carrierId,
  prefixes: z.array(prefix).min(1).max(100),
  priority: z.number().int().min(0).max(1000).optional(),
  weight: z.number().int().min(0).max(1000).optional(),
  name: z.string().trim().min(1).max(120).optional(),
  agreedDeliveryRate: agreedDeliveryRate.optional(),
  qualityProbe: qualityProbe.optional(),
};

/** A link to the carrier: TLS unless the entry deliberately allows plaintext. */
export const linkSecurity = {
  tls: z.boolean().default(true),
  allowPlaintext: z.boolean().default(false),
};

export const smppRouteFields = { ...routeFields, ...linkSecurity, type: z.literal("smpp") };
export const httpRouteFields = { ...routeFields, ...linkSecurity, type: z.literal("http"), host, port };

/** AWS End User Messaging SMS: no secrets anywhere (the dispatch role signs). */
export const awsSmsEntry = z.strictObject({
  ...routeFields,
  type: z.literal("aws-sms"),
  originationIdentity: z.string().min(1).max(256).optional(),
  configurationSetName: z.string().min(1).max(64).optional(),
  maxPricePerSegment: z
    .string()
    .regex(/^[0-9]{1,2}(\.[0-9]{1,5})?$/, "must be a price like 0.05")
    .optional(),
  /** Endpoint override (an emulator); unset = the SDK's regional endpoint over TLS. */
  endpoint: z.url({ protocol: /^https?$/ }).optional(),
  dryRun: z.boolean().optional(),
});

/** Inline secrets: only over the signed operator API, sealed at once. */
const apiToken = z.string().min(1).max(4096);
const dlrSecret = z
  .string()
  .regex(/^whsec_[A-Za-z0-9+/=]{8,}$/, 'must be a Standard Webhooks secret ("whsec_…")');

/** The operator API's entry (POST /v1/admin/carriers): the file's entry with inline HTTP secrets. */
export const carrierApiEntry = z.discriminatedUnion("type", [
  z.strictObject(smppRouteFields),
  z.strictObject({
    ...httpRouteFields,
    apiToken,
    dlrSecret,
    /**
     * Where the carrier posts receipts: our public `/v1/carriers/{id}/dlr`. The CLI fills it in from
     * the stage's API URL (functions behind the API cannot know it; the file's loader does the same).
     */
    dlrUrl: z.url({ protocol: /^https?$/ }).optional(),
  }),
  awsSmsEntry,
]);
export type CarrierApiEntry = z.infer<typeof carrierApiEntry>;

/** Rules across fields, shared by both sources: one line each, without the carrier's name. */
export function entryProblem(entry: { readonly tls?: boolean; readonly allowPlaintext?: boolean }) {
  if (entry.tls === false && !entry.allowPlaintext)
    return 'plaintext (tls: false) is refused unless the entry says "allowPlaintext": true';
  return undefined;
}

/** The route fields of an entry as the store's registration input takes them. */
function commonInput(entry: z.infer<z.ZodObject<typeof routeFields>>) {
  return {
    carrierId: entry.id,
    prefixes: entry.prefixes,
    ...(entry.priority !== undefined ? { priority: entry.priority } : {}),
    ...(entry.weight !== undefined ? { weight: entry.weight } : {}),
    ...(entry.name !== undefined ? { name: entry.name } : {}),
    ...(entry.agreedDeliveryRate !== undefined ? { agreedDeliveryRate: entry.agreedDeliveryRate } : {}),
    ...(entry.qualityProbe ? { qualityProbe: entry.qualityProbe } : {}),
  };
}

/** A route entry (from either source, secrets resolved) as the store registers it. */
export type RouteEntry =
  | z.infer<z.ZodObject<typeof smppRouteFields>>
  | (z.infer<z.ZodObject<typeof httpRouteFields>> & {
      readonly apiToken: string;
      readonly dlrSecret: string;
      readonly dlrUrl?: string;
    })
  | z.infer<typeof awsSmsEntry>;

/** `dlrUrl`: where an HTTP carrier posts receipts (unset: the dispatcher's public API URL). */
export function registrationOf(entry: RouteEntry, dlrUrl?: string): RegisterCarrierInput {
  const common = commonInput(entry);
  switch (entry.type) {
    case "smpp":
      return { ...common, protocol: "smpp", tls: entry.tls };
    case "http":
      return {
        ...common,
        protocol: "http",
        baseUrl: `${entry.tls ? "https" : "http"}://${entry.host}:${entry.port}`,
        apiToken: entry.apiToken,
        dlrSecret: entry.dlrSecret,
        ...((entry.dlrUrl ?? dlrUrl) ? { dlrUrl: entry.dlrUrl ?? dlrUrl } : {}),
      };
    case "aws-sms": {
      const { originationIdentity, configurationSetName, maxPricePerSegment, dryRun, endpoint } = entry;
      return {
        ...common,
        protocol: "aws-sms",
        ...(endpoint ? { baseUrl: endpoint } : {}),
        awsSms: {
          ...(originationIdentity !== undefined ? { originationIdentity } : {}),
          ...(configurationSetName !== undefined ? { configurationSetName } : {}),
          ...(maxPricePerSegment !== undefined ? { maxPricePerSegment } : {}),
          ...(dryRun !== undefined ? { dryRun } : {}),
        },
      };
    }
  }
}
