import * as z from "zod";
import { type CoversEveryField, parseStoredItem } from "../shared/stored-item.ts";
import { agreedDeliveryRate, carrierId, qualityProbe } from "./entry-schema.ts";
import type { AwsSmsSettings, CarrierProtocol, CarrierRoute } from "./model.ts";

const protocols = ["http", "aws-sms", "smpp"] as const satisfies readonly CarrierProtocol[];

const storedAwsSms = z.object({
  originationIdentity: z.string().optional(),
  configurationSetName: z.string().optional(),
  maxPricePerSegment: z.string().optional(),
  dryRun: z.boolean().optional(),
});

/**
 * A carrier record (accounts table, pk=CARRIER sk=<carrierId>) as a route. The id, the agreed rate
 * and the quality probe reuse the entry schema's rules (every writer applies them: the carriers
 * file, the operator API, registerCarrier). The sealed secrets and updatedAt are not route fields:
 * the parse drops them with the keys.
 */
const storedCarrierRoute = z.object({
  carrierId,
  name: z.string(),
  protocol: z.enum(protocols),
  baseUrl: z.string(),
  tls: z.boolean(),
  prefixes: z.array(z.string()),
  priority: z.number(),
  weight: z.number(),
  enabled: z.boolean(),
  dlrUrl: z.string().optional(),
  // Added with AWS End User Messaging SMS routes; the later fields with carrier quality.
  awsSms: storedAwsSms.optional(),
  agreedDeliveryRate: agreedDeliveryRate.optional(),
  qualityProbe: qualityProbe.optional(),
});

/** Does not compile while a field of CarrierRoute (or its awsSms settings) is missing from the schema. */
export const schemaCoversCarrierRoute: [
  CoversEveryField<CarrierRoute, z.output<typeof storedCarrierRoute>>,
  CoversEveryField<AwsSmsSettings, z.output<typeof storedAwsSms>>,
] = [true, true];

/** Throws MalformedItemError (table and field, never the value) for a record of the wrong shape. */
export const carrierRouteOf = (item: Readonly<Record<string, unknown>>): CarrierRoute =>
  parseStoredItem("accounts", storedCarrierRoute, item);
