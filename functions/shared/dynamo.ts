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

/** Every item of a query, following LastEvaluatedKey through all pages. */
export async function queryAll(
  input: Omit<QueryCommandInput, "ExclusiveStartKey">,
): Promise<Record<string, NativeAttributeValue>[]> {
  const items: Record<string, NativeAttributeValue>[] = [];
  let start: Record<string, NativeAttributeValue> | undefined;
  do {
    const page = await dynamoClient().send(
      new QueryCommand({ ...input, ...(start ? { ExclusiveStartKey: start } : {}) }),
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}
