import { BatchGetCommand, type NativeAttributeValue } from "@aws-sdk/lib-dynamodb";
import { dynamoClient } from "./aws.ts";

type Attributes = Record<string, NativeAttributeValue>;

/** BatchGetItem's limit of keys per request. */
const MAX_KEYS_PER_BATCH = 100;
/** Rounds for keys DynamoDB leaves unprocessed (throttling); after them the read fails, never drops. */
const MAX_ROUNDS = 8;
const BACKOFF_BASE_MS = 25;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The base-table key of an item or of a keys-only index entry (which carries the table's keys too). */
export const keyOf = (entry: Attributes, keyAttributes: readonly string[]): Attributes =>
  Object.fromEntries(keyAttributes.map((name) => [name, entry[name]]));

/**
 * Reads the base items behind index entries of a keys-only (or include) index, strongly consistent,
 * in the order of the entries; an item deleted since the index was read is left out. Duplicate keys
 * are read once. Throws when DynamoDB still leaves keys unprocessed after MAX_ROUNDS: a reader such as
 * an erasure must not mistake "not read" for "not there".
 */
export async function getItemsByKeys(
  table: string,
  keyAttributes: readonly string[],
  entries: readonly Attributes[],
): Promise<Attributes[]> {
  const identity = (item: Attributes) => JSON.stringify(keyAttributes.map((name) => item[name]));
  const keys = [...new Map(entries.map((entry) => [identity(entry), keyOf(entry, keyAttributes)])).values()];
  const found = new Map<string, Attributes>();
  for (let start = 0; start < keys.length; start += MAX_KEYS_PER_BATCH) {
    let pending = keys.slice(start, start + MAX_KEYS_PER_BATCH);
    for (let round = 0; pending.length > 0; round++) {
      if (round === MAX_ROUNDS) {
        throw new Error(
          `batch get: ${pending.length} keys of ${table} still unprocessed after ${round} rounds`,
        );
      }
      if (round > 0) await pause(BACKOFF_BASE_MS * 2 ** round);
      const result = await dynamoClient().send(
        new BatchGetCommand({ RequestItems: { [table]: { Keys: pending, ConsistentRead: true } } }),
      );
      for (const item of result.Responses?.[table] ?? []) found.set(identity(item), item);
      pending = result.UnprocessedKeys?.[table]?.Keys ?? [];
    }
  }
  return entries.flatMap((entry) => {
    const item = found.get(identity(entry));
    if (!item) return [];
    found.delete(identity(entry)); // a duplicate entry yields its item once
    return [item];
  });
}
