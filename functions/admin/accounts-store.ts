import { DeleteCommand, PutCommand, ScanCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import type { Account, AccountStatus } from "../identity/accounts.ts";
import { getAccount, parseAccount } from "../identity/users-store.ts";
import { dynamoClient } from "../shared/aws.ts";
import { tableName } from "../shared/config.ts";
import { isConditionalCheckFailure } from "../shared/dynamo.ts";
import { DomainError, validationError } from "../shared/problem.ts";
import type { AccountPage, AccountSettingsChange, AccountStore } from "./ports.ts";

/**
 * Account items (pk=ACC#<id>, sk=ACCOUNT) for the operator plane. Listing scans the accounts table
 * for ACCOUNT items: it is an operator action, rare and paginated, so it does not justify an index
 * (or a hot "all accounts" partition) that every account write would pay for.
 */
const accountKey = (accountId: string) => ({ pk: `ACC#${accountId}`, sk: "ACCOUNT" });

/** The cursor is DynamoDB's LastEvaluatedKey, opaque to callers and parsed (never trusted) on return. */
const cursorKey = z.strictObject({ pk: z.string().startsWith("ACC#").max(64), sk: z.string().max(64) });

function decodeCursor(cursor: string): Record<string, string> {
  try {
    return cursorKey.parse(JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")));
  } catch {
    throw validationError([{ field: "cursor", message: "not a cursor from a previous page" }]);
  }
}

const encodeCursor = (key: Record<string, unknown>): string =>
  Buffer.from(JSON.stringify({ pk: key.pk, sk: key.sk })).toString("base64url");

function notFound(accountId: string): DomainError {
  return new DomainError("not-found", `No account ${accountId}`);
}

export const dynamoAccountStore: AccountStore = {
  async create(account) {
    await dynamoClient().send(
      new PutCommand({
        TableName: tableName("accounts"),
        Item: { ...accountKey(account.accountId), ...account },
        ConditionExpression: "attribute_not_exists(pk)",
      }),
    );
  },

  async remove(accountId) {
    await dynamoClient().send(
      new DeleteCommand({ TableName: tableName("accounts"), Key: accountKey(accountId) }),
    );
  },

  get: getAccount,

  async list({ limit, cursor }): Promise<AccountPage> {
    const accounts: Account[] = [];
    let startKey: Record<string, unknown> | undefined = cursor ? decodeCursor(cursor) : undefined;
    // A filtered scan page can hold no ACCOUNT item at all: keep reading until some or the end.
    do {
      const page = await dynamoClient().send(
        new ScanCommand({
          TableName: tableName("accounts"),
          FilterExpression: "sk = :account",
          ExpressionAttributeValues: { ":account": "ACCOUNT" },
          Limit: Math.max(limit * 4, 100),
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      for (const item of page.Items ?? []) {
        if (accounts.length < limit) accounts.push(parseAccount(item));
      }
      startKey = page.LastEvaluatedKey;
      if (accounts.length >= limit) {
        // Resume right after the last account returned, not after the whole scanned page.
        const last = accounts[accounts.length - 1];
        return { accounts, ...(last ? { nextCursor: encodeCursor(accountKey(last.accountId)) } : {}) };
      }
    } while (startKey);
    return { accounts };
  },

  async update(accountId, changes: AccountSettingsChange) {
    const sets: string[] = [];
    const names: Record<string, string> = { "#status": "status" };
    const values: Record<string, unknown> = { ":closed": "closed" };
    for (const [index, [name, value]] of Object.entries(changes).entries()) {
      if (value === undefined) continue;
      names[`#a${index}`] = name;
      values[`:v${index}`] = value;
      sets.push(`#a${index} = :v${index}`);
    }
    if (sets.length === 0) {
      const current = await getAccount(accountId);
      if (!current) throw notFound(accountId);
      return current;
    }
    return updateReturning(accountId, {
      UpdateExpression: `SET ${sets.join(", ")}`,
      // A closed account's settings are final (its deletion date derives from its retention).
      ConditionExpression: "attribute_exists(pk) AND (attribute_not_exists(#status) OR #status <> :closed)",
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    });
  },

  async transition(accountId, to: AccountStatus, from: readonly AccountStatus[], extra = {}) {
    const names: Record<string, string> = { "#status": "status" };
    const values: Record<string, unknown> = { ":to": to };
    const sets = ["#status = :to"];
    for (const [index, [name, value]] of Object.entries(extra).entries()) {
      names[`#x${index}`] = name;
      values[`:x${index}`] = value;
      sets.push(`#x${index} = :x${index}`);
    }
    const allowed = from.map((status, index) => {
      values[`:from${index}`] = status;
      return `#status = :from${index}`;
    });
    // Items from before statuses existed are active.
    if (from.includes("active")) allowed.push("attribute_not_exists(#status)");
    return updateReturning(accountId, {
      UpdateExpression: `SET ${sets.join(", ")}`,
      ConditionExpression: `attribute_exists(pk) AND (${allowed.join(" OR ")})`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    });
  },
};

async function updateReturning(
  accountId: string,
  update: {
    UpdateExpression: string;
    ConditionExpression: string;
    ExpressionAttributeNames: Record<string, string>;
    ExpressionAttributeValues: Record<string, unknown>;
  },
): Promise<Account> {
  try {
    const { Attributes } = await dynamoClient().send(
      new UpdateCommand({
        TableName: tableName("accounts"),
        Key: accountKey(accountId),
        ReturnValues: "ALL_NEW",
        ...update,
      }),
    );
    if (!Attributes) throw notFound(accountId);
    return parseAccount(Attributes);
  } catch (error) {
    if (!isConditionalCheckFailure(error)) throw error;
    const current = await getAccount(accountId);
    if (!current) throw notFound(accountId);
    throw new DomainError("conflict", `The account is ${current.status}; this change does not apply to it`);
  }
}
