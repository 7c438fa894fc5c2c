import { QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import { dynamoClient } from "../../shared/aws.ts";
import { tableName } from "../../shared/config.ts";
import { logger } from "../../shared/logger.ts";

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

/** One counters item: carrier, hour, country, route prefix label. */
export interface CountersItemKey {
  readonly carrierId: string;
  readonly hour: string;
  readonly country: string;
  readonly prefix: string;
}

const itemKeyOf = (key: QualityKey): CountersItemKey => ({
  carrierId: key.carrierId,
  hour: hourOf(key.at),
  country: key.country,
  prefix: prefixLabel(key.prefix),
});

/** Adds `counts` to one counters item in one UpdateItem (ADD is atomic: writers never overwrite each other). */
async function addCounters(item: CountersItemKey, counts: Readonly<Record<string, number>>): Promise<void> {
  const adds = Object.entries(counts);
  const hourStart = Math.floor(Date.parse(`${item.hour}:00:00Z`) / 1000);
  await dynamoClient().send(
    new UpdateCommand({
      TableName: tableName(QUALITY_TABLE),
      Key: { pk: `CARRIER#${item.carrierId}`, sk: `${item.hour}#${item.country}#${item.prefix}` },
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
        ":country": item.country,
        ":prefix": item.prefix,
        ":hour": item.hour,
        ":exp": hourStart + RETENTION_SECONDS,
      },
    }),
  );
}

/** One UpdateItem per event: for callers with no batch to gather over (an HTTP DLR, the SMPP connector). */
export function dynamoQualityStats(): QualityStatsWriter {
  return { record: (key, event) => addCounters(itemKeyOf(key), counters(event)) };
}

/** A writer that gathers events and writes them when told to (see batchedQualityStats). */
export interface BatchedQualityStats extends QualityStatsWriter {
  /** Writes what was gathered since the last flush, one UpdateItem per counters item; never throws. */
  flush(): Promise<void>;
}

/**
 * Gathers the events of a consumer batch and flushes them before the batch handler returns: one
 * UpdateItem per distinct counters item (carrier, hour, country, prefix) instead of one per event,
 * usually one write per batch instead of one per message.
 *
 * Counting stays as exact as one write per event: events are recorded only for transitions that
 * took effect, so a redelivered record, which finds its transition done, records nothing again. A
 * crash before the flush loses the batch's counts (as a crash between a transition and its stats
 * write loses one today); it never counts one twice. flush() takes the gathered counts out in one
 * synchronous step, so invocations of one module running at once (the local platform) each write a
 * count exactly once, whichever flush it lands in. A write that fails is logged and dropped, like
 * the per-event write's failure: a message never fails because of its statistics.
 */
export function batchedQualityStats(
  write: (item: CountersItemKey, counts: Readonly<Record<string, number>>) => Promise<void> = addCounters,
): BatchedQualityStats {
  let gathered = new Map<string, { item: CountersItemKey; counts: Record<string, number> }>();
  return {
    record: async (key, event) => {
      const item = itemKeyOf(key);
      const id = JSON.stringify([item.carrierId, item.hour, item.country, item.prefix]);
      const entry = gathered.get(id) ?? { item, counts: {} };
      gathered.set(id, entry);
      for (const [name, value] of Object.entries(counters(event))) {
        entry.counts[name] = (entry.counts[name] ?? 0) + value;
      }
    },
    flush: async () => {
      const batch = [...gathered.values()];
      gathered = new Map();
      await Promise.all(
        batch.map(({ item, counts }) =>
          write(item, counts).catch((error: unknown) => {
            logger.warn("carrier quality not recorded", {
              carrierId: item.carrierId,
              hour: item.hour,
              error: String(error),
            });
          }),
        ),
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
