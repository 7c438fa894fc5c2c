import { QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import { dynamoClient } from "../../shared/aws.ts";
import { tableName } from "../../shared/config.ts";

/**
 * Carrier quality figures (issue 10 §4): one item per carrier, hour, destination country and route
 * prefix, pk=CARRIER#<carrierId>, sk=<YYYY-MM-DDTHH>#<country>#<prefix>. The prefix is the carrier
 * route's prefix that matched the destination (the lease's routePrefix, set at dispatch), "*" for a
 * catch-all route or a message dispatched before prefixes were recorded. Items written before that
 * (sk without a prefix) read as prefix "*". Every figure is an atomic ADD counter, so
 * concurrent dispatchers, DLR consumers and the SMPP connector never overwrite each other. Time to
 * DLR is a fixed-bucket histogram (lat<i> counts reports within LATENCY_BUCKETS_SECONDS[i]), which
 * sums across hours and gives p50/p95 to bucket precision. Items expire after 8 days (TTL).
 */
export const QUALITY_TABLE = "carrier-quality";
export const LATENCY_BUCKETS_SECONDS = [1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800, 3600, 86_400] as const;
const RETENTION_SECONDS = 8 * 86_400;

export type QualityEvent =
  | { readonly kind: "submitted"; readonly tls: boolean }
  /** The carrier refused (transient or permanent) or could not be reached: it does not have it. */
  | { readonly kind: "submit-failed"; readonly errorCode: string }
  | { readonly kind: "delivered"; readonly secondsToReport?: number }
  | { readonly kind: "not-delivered"; readonly errorCode: string; readonly secondsToReport?: number };

export interface QualityKey {
  readonly carrierId: string;
  /** ISO 3166 country of the destination (the destination prefix the figures are grouped by). */
  readonly country: string;
  /** The matched route prefix ("+49176"); "" or unset is counted as "*". */
  readonly prefix?: string;
  readonly at: Date;
}

/** The figures' name of a route prefix: "*" for the catch-all or an unknown one. */
export const prefixLabel = (prefix: string | undefined): string => (prefix ? prefix : "*");

export interface QualityStatsWriter {
  record(key: QualityKey, event: QualityEvent): Promise<void>;
}

export const hourOf = (at: Date): string => at.toISOString().slice(0, 13);

export function latencyBucket(seconds: number): number {
  const index = LATENCY_BUCKETS_SECONDS.findIndex((limit) => seconds <= limit);
  return index === -1 ? LATENCY_BUCKETS_SECONDS.length - 1 : index;
}

/** Error codes become attribute names: keep them short and to a safe alphabet. */
const errorAttribute = (code: string): string => `err_${code.replace(/[^A-Za-z0-9_.-]/g, "_").slice(0, 64)}`;

function counters(event: QualityEvent): Record<string, number> {
  switch (event.kind) {
    case "submitted":
      return { submitted: 1, ...(event.tls ? { submittedTls: 1 } : {}) };
    case "submit-failed":
      return { submitFailed: 1, [errorAttribute(event.errorCode)]: 1 };
    case "delivered":
      return {
        delivered: 1,
        ...(event.secondsToReport !== undefined ? { [`lat${latencyBucket(event.secondsToReport)}`]: 1 } : {}),
      };
    case "not-delivered":
      return {
        notDelivered: 1,
        [errorAttribute(event.errorCode)]: 1,
        ...(event.secondsToReport !== undefined ? { [`lat${latencyBucket(event.secondsToReport)}`]: 1 } : {}),
      };
  }
}

export function dynamoQualityStats(): QualityStatsWriter {
  return {
    record: async (key, event) => {
      const adds = Object.entries(counters(event));
      const hourStart = Math.floor(Date.parse(`${hourOf(key.at)}:00:00Z`) / 1000);
      const prefix = prefixLabel(key.prefix);
      await dynamoClient().send(
        new UpdateCommand({
          TableName: tableName(QUALITY_TABLE),
          Key: { pk: `CARRIER#${key.carrierId}`, sk: `${hourOf(key.at)}#${key.country}#${prefix}` },
          UpdateExpression: `ADD ${adds.map((_, i) => `#c${i} :v${i}`).join(", ")} SET #country = :country, #prefix = :prefix, #hour = :hour, #exp = if_not_exists(#exp, :exp)`,
          ExpressionAttributeNames: {
            ...Object.fromEntries(adds.map(([name], i) => [`#c${i}`, name])),
            "#country": "country",
            "#prefix": "prefix",
            "#hour": "hour",
            "#exp": "expiresAt",
          },
          ExpressionAttributeValues: {
            ...Object.fromEntries(adds.map(([, value], i) => [`:v${i}`, value])),
            ":country": key.country,
            ":prefix": prefix,
            ":hour": hourOf(key.at),
            ":exp": hourStart + RETENTION_SECONDS,
          },
        }),
      );
    },
  };
}

const countersItem = z
  .object({
    country: z.string(),
    prefix: z.string().optional(),
    hour: z.string(),
    expiresAt: z.number().optional(),
  })
  .catchall(z.unknown());

export interface QualityBucket {
  readonly country: string;
  readonly prefix: string;
  readonly hour: string;
  /** Every numeric counter of the hour: submitted, submittedTls, submitFailed, delivered, notDelivered, lat<i>, err_<code>. */
  readonly counters: Readonly<Record<string, number>>;
}

/** The hourly buckets of one carrier from `since` on (expired ones left out). */
export async function readQualityBuckets(
  carrierId: string,
  since: Date,
  now: Date,
): Promise<QualityBucket[]> {
  const buckets: QualityBucket[] = [];
  let startKey: Record<string, unknown> | undefined;
  const nowSeconds = Math.floor(now.getTime() / 1000);
  do {
    const page = await dynamoClient().send(
      new QueryCommand({
        TableName: tableName(QUALITY_TABLE),
        KeyConditionExpression: "pk = :pk AND sk >= :from",
        ExpressionAttributeValues: { ":pk": `CARRIER#${carrierId}`, ":from": hourOf(since) },
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    for (const raw of page.Items ?? []) {
      const item = countersItem.parse(raw);
      if (item.expiresAt !== undefined && item.expiresAt <= nowSeconds) continue;
      const numeric: Record<string, number> = {};
      for (const [name, value] of Object.entries(item)) {
        if (name !== "expiresAt" && typeof value === "number") numeric[name] = value;
      }
      buckets.push({
        country: item.country,
        prefix: prefixLabel(item.prefix),
        hour: item.hour,
        counters: numeric,
      });
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return buckets;
}
