import { type NativeAttributeValue, QueryCommand, type QueryCommandInput } from "@aws-sdk/lib-dynamodb";
import { dynamoClient } from "./aws.ts";

/**
 * DynamoDB idioms every store repeats. Errors are matched by name, not instanceof, so a client from
 * another copy of the SDK (or a wrapped one in tests) is still recognised.
 */
const errorName = (error: unknown): string | undefined => (error as { name?: string } | undefined)?.name;

/** A write's ConditionExpression was false: the item is missing, already exists or has moved on. */
export const isConditionalCheckFailure = (error: unknown): boolean =>
  errorName(error) === "ConditionalCheckFailedException";

/** A TransactWrite was cancelled: one of its conditions failed or a concurrent write conflicted. */
export const isTransactionCancelled = (error: unknown): boolean =>
  errorName(error) === "TransactionCanceledException";

/**
 * Runs a conditional write: true when it was applied, false when its condition was false (the race
 * was lost, the item is gone or already changed). Every other error propagates.
 */
export async function appliedUnlessConditionFails(write: Promise<unknown>): Promise<boolean> {
  try {
    await write;
    return true;
  } catch (error) {
    if (isConditionalCheckFailure(error)) return false;
    throw error;
  }
}

type Attributes = Record<string, NativeAttributeValue>;

/** Every item of a paged Query or Scan: fetches page after page until LastEvaluatedKey runs out. */
export async function allPages(
  fetchPage: (
    start: Attributes | undefined,
  ) => Promise<{ Items?: Attributes[]; LastEvaluatedKey?: Attributes }>,
): Promise<Attributes[]> {
  const items: Attributes[] = [];
  let start: Attributes | undefined;
  do {
    const page = await fetchPage(start);
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/** Every item of a query, through all pages. */
export const queryAll = (input: Omit<QueryCommandInput, "ExclusiveStartKey">): Promise<Attributes[]> =>
  allPages((start) =>
    dynamoClient().send(new QueryCommand({ ...input, ...(start ? { ExclusiveStartKey: start } : {}) })),
  );
