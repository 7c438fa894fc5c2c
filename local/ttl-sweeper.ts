/**
 * DynamoDB TTL for the local platform: scans every table with a ttlAttribute and deletes items whose
 * epoch-seconds value has passed. DynamoDB Local 1.25 does expire items on TTL-enabled tables, but
 * late and in batches on its own schedule; the sweeper bounds that delay by its interval. Like AWS,
 * only Number values count and values more than five years in the past are ignored. Deletes are
 * conditional, so an item whose expiry was just pushed forward survives.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DeleteCommand, DynamoDBDocumentClient, ScanCommand } from "@aws-sdk/lib-dynamodb";
import { isConditionalCheckFailure } from "../functions/shared/dynamo.ts";
import type { TableSpec } from "../lib/catalog/index.ts";

const FIVE_YEARS_SECONDS = 5 * 365 * 24 * 3600;

export interface SweptTable {
  readonly name: string;
  readonly spec: TableSpec;
}

export interface TtlSweeperOptions {
  readonly tables: readonly SweptTable[];
  readonly intervalSeconds?: number;
  readonly now?: () => number;
  /** Lets tests wrap the client (e.g. to change an item between scan and delete). */
  readonly client?: DynamoDBClient;
  /** Items per Scan page (DynamoDB's 1 MB page when unset). */
  readonly pageSize?: number;
  readonly onError?: (message: string, error: unknown) => void;
}

export interface RunningSweeper {
  /** One full pass over every table; returns how many items were deleted. */
  sweepOnce(): Promise<number>;
  stop(): Promise<void>;
}

export function startTtlSweeper(options: TtlSweeperOptions): RunningSweeper {
  const raw = options.client ?? new DynamoDBClient({});
  const client = DynamoDBDocumentClient.from(raw);
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  const onError =
    options.onError ??
    ((message: string, error: unknown) =>
      console.error(
        `local ttl sweeper: ${message}: ${error instanceof Error ? error.message : String(error)}`,
      ));
  const swept = options.tables.filter((t) => t.spec.ttlAttribute !== undefined);

  async function sweepTable({ name, spec }: SweptTable): Promise<number> {
    const ttl = spec.ttlAttribute as string;
    const keys = [spec.partitionKey, ...(spec.sortKey ? [spec.sortKey] : [])];
    const at = now();
    const values = { ":now": at, ":oldest": at - FIVE_YEARS_SECONDS, ":n": "N" };
    const expired = "attribute_type(#ttl, :n) AND #ttl < :now AND #ttl >= :oldest";
    let deleted = 0;
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await client.send(
        new ScanCommand({
          TableName: name,
          FilterExpression: expired,
          ProjectionExpression: keys.map((_, i) => `#k${i}`).join(", "),
          ExpressionAttributeNames: { "#ttl": ttl, ...Object.fromEntries(keys.map((k, i) => [`#k${i}`, k])) },
          ExpressionAttributeValues: values,
          ExclusiveStartKey: startKey,
          ...(options.pageSize ? { Limit: options.pageSize } : {}),
        }),
      );
      for (const item of page.Items ?? []) {
        try {
          await client.send(
            new DeleteCommand({
              TableName: name,
              Key: item,
              ConditionExpression: expired,
              ExpressionAttributeNames: { "#ttl": ttl },
              ExpressionAttributeValues: values,
            }),
          );
          deleted++;
        } catch (error) {
          if (!isConditionalCheckFailure(error)) throw error;
        }
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return deleted;
  }

  let running: Promise<number> | undefined;
  const sweepOnce = (): Promise<number> => {
    // Never two passes at once: an overlapping timer tick joins the pass in progress.
    running ??= (async () => {
      let total = 0;
      for (const table of swept) {
        try {
          total += await sweepTable(table);
        } catch (error) {
          onError(`sweeping ${table.name} failed`, error);
        }
      }
      return total;
    })().finally(() => {
      running = undefined;
    });
    return running;
  };

  const timer = setInterval(() => void sweepOnce(), (options.intervalSeconds ?? 5) * 1000);
  timer.unref();
  return {
    sweepOnce,
    stop: async () => {
      clearInterval(timer);
      await running?.catch(() => 0);
      if (!options.client) client.destroy();
    },
  };
}
