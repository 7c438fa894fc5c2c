import { createHash, randomBytes } from "node:crypto";
import { GetCommand, TransactWriteCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import { dynamoClient } from "../shared/aws.ts";
import type { Clock } from "../shared/clock.ts";
import { tableName } from "../shared/config.ts";
import { queryAll } from "../shared/dynamo.ts";
import { newId } from "../shared/ids.ts";
import { logger } from "../shared/logger.ts";
import type { ApiKeyScope } from "../shared/principal.ts";
import { DomainError } from "../shared/problem.ts";
import { type CoversEveryField, parseStoredItem } from "../shared/stored-item.ts";
import { apiKeyView } from "./api-key-view.ts";
import {
  envUsagePlanKeys,
  registerUsageIdentifier,
  type UsagePlanKeys,
  unregisterUsageIdentifier,
  usageIdentifier,
  usageKeyName,
} from "./usage-plan-keys.ts";

/**
 * API keys: 256-bit random secrets shown once. Stored only as SHA-256 (a fast hash is right for
 * high-entropy secrets; there is nothing to brute-force) in two items written together:
 *   lookup  pk=APIKEY#<hash>  sk=LOOKUP     what the authorizer reads (one strongly consistent get)
 *   listing pk=ACC#<account>  sk=KEY#<id>   what admins list (prefix, scopes, last use; no hash)
 * The key id is also registered with the API Gateway usage plan (usage-plan-keys.ts): it is the
 * usageIdentifierKey the authorizer returns for the key, which API Gateway must know.
 */
export type ApiKeyMode = "live" | "test";

export interface ApiKeyRecord {
  readonly keyId: string;
  readonly accountId: string;
  readonly name: string;
  readonly prefix: string;
  readonly scopes: readonly ApiKeyScope[];
  readonly ipAllowList: readonly string[];
  readonly status: "active" | "revoked";
  readonly createdAt: string;
  readonly lastUsedAt?: string;
}

/**
 * Both key items (lookup and listing) as an ApiKeyRecord; the keys and the hash are not record fields
 * and drop. A malformed item throws MalformedItemError (table and field, never the value): a key that
 * cannot be read authorizes nothing (the authorizer fails) and is not listed as something it is not.
 */
const storedApiKey = apiKeyView.extend({ accountId: z.string() });

/** Does not compile while a field of ApiKeyRecord is missing from the schema. */
export const schemaCoversApiKeyRecord: CoversEveryField<ApiKeyRecord, z.output<typeof storedApiKey>> = true;

export const apiKeyRecordOf = (item: Readonly<Record<string, unknown>>): ApiKeyRecord =>
  parseStoredItem("accounts", storedApiKey, item);

const KEY_PATTERN = /^tg_(live|test)_[A-Za-z0-9_-]{43}$/;

export const hashApiKey = (key: string): string => createHash("sha256").update(key, "utf8").digest("hex");
export const looksLikeApiKey = (token: string): boolean => KEY_PATTERN.test(token);

export function generateApiKey(mode: ApiKeyMode): { key: string; prefix: string; hash: string } {
  const key = `tg_${mode}_${randomBytes(32).toString("base64url")}`;
  return { key, prefix: key.slice(0, 12), hash: hashApiKey(key) };
}

export interface CreateApiKeyInput {
  readonly accountId: string;
  readonly name: string;
  readonly scopes: readonly ApiKeyScope[];
  readonly ipAllowList?: readonly string[];
  readonly mode?: ApiKeyMode;
}

/** 503 for a key or account that could not be registered with the usage plan (nothing was kept). */
export const usagePlanUnavailable = (what: string): DomainError =>
  new DomainError(
    "service-unavailable",
    `The ${what} could not be registered for rate limiting, so it was not created; retry shortly`,
    { retryAfter: 5 },
    { "Retry-After": "5" },
  );

/**
 * Writes the key, then registers its id with the usage plan before anyone sees the secret. If the
 * registration fails the items are deleted again (the secret was never shown) and a 503 is thrown.
 */
export async function createApiKey(
  input: CreateApiKeyInput,
  clock: Clock,
  usagePlan: UsagePlanKeys = envUsagePlanKeys,
): Promise<{ key: string; record: ApiKeyRecord }> {
  const { key, prefix, hash } = generateApiKey(input.mode ?? "live");
  const record: ApiKeyRecord = {
    keyId: newId("key"),
    accountId: input.accountId,
    name: input.name,
    prefix,
    scopes: [...input.scopes],
    ipAllowList: [...(input.ipAllowList ?? [])],
    status: "active",
    createdAt: clock.now().toISOString(),
  };
  const table = tableName("accounts");
  await dynamoClient().send(
    new TransactWriteCommand({
      TransactItems: [
        {
          Put: {
            TableName: table,
            Item: { pk: `APIKEY#${hash}`, sk: "LOOKUP", ...record },
            ConditionExpression: "attribute_not_exists(pk)",
          },
        },
        {
          Put: {
            TableName: table,
            Item: { pk: `ACC#${record.accountId}`, sk: `KEY#${record.keyId}`, hash, ...record },
          },
        },
      ],
    }),
  );
  try {
    await registerUsageIdentifier(usagePlan, record.keyId);
  } catch (error) {
    logger.error("api key not registered with the usage plan; removing it", {
      keyId: record.keyId,
      accountId: record.accountId,
      error: error instanceof Error ? error.name : "unknown",
    });
    // If even this fails, what remains is an active key whose secret nobody has: unusable.
    await deleteApiKeyItems(record.accountId, record.keyId, hash).catch(() =>
      logger.error("unregistered api key left behind (secret never shown)", { keyId: record.keyId }),
    );
    throw usagePlanUnavailable("API key");
  }
  return { key, record };
}

/** Undoes createApiKey's two items (only for a key whose secret was never returned). */
async function deleteApiKeyItems(accountId: string, keyId: string, hash: string): Promise<void> {
  const table = tableName("accounts");
  await dynamoClient().send(
    new TransactWriteCommand({
      TransactItems: [
        { Delete: { TableName: table, Key: { pk: `APIKEY#${hash}`, sk: "LOOKUP" } } },
        { Delete: { TableName: table, Key: { pk: `ACC#${accountId}`, sk: `KEY#${keyId}` } } },
      ],
    }),
  );
}

/** Authorizer path: one consistent read; revoked keys are treated as unknown. */
export async function findActiveApiKey(key: string): Promise<ApiKeyRecord | undefined> {
  const { Item } = await dynamoClient().send(
    new GetCommand({
      TableName: tableName("accounts"),
      Key: { pk: `APIKEY#${hashApiKey(key)}`, sk: "LOOKUP" },
      ConsistentRead: true,
    }),
  );
  if (Item?.status !== "active") return undefined;
  return apiKeyRecordOf(Item);
}

const LAST_USED_RESOLUTION_MS = 60 * 60 * 1000;
const lastUsedWrites = new Map<string, number>();

/** Records last use at most once an hour per key and container: no write per request. */
export async function touchApiKey(record: ApiKeyRecord, clock: Clock): Promise<void> {
  const now = clock.now();
  const previous =
    lastUsedWrites.get(record.keyId) ?? Date.parse(record.lastUsedAt ?? "1970-01-01T00:00:00Z");
  if (now.getTime() - previous < LAST_USED_RESOLUTION_MS) return;
  lastUsedWrites.set(record.keyId, now.getTime());
  await dynamoClient().send(
    new UpdateCommand({
      TableName: tableName("accounts"),
      Key: { pk: `ACC#${record.accountId}`, sk: `KEY#${record.keyId}` },
      UpdateExpression: "SET lastUsedAt = :now",
      ConditionExpression: "attribute_exists(pk)",
      ExpressionAttributeValues: { ":now": now.toISOString() },
    }),
  );
}

/** The account's keys for admins: prefix, scopes, status, last use; never the hash. */
export async function listApiKeys(accountId: string): Promise<ApiKeyRecord[]> {
  const items = await queryAll({
    TableName: tableName("accounts"),
    KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
    ExpressionAttributeValues: { ":pk": `ACC#${accountId}`, ":prefix": "KEY#" },
  });
  return items.map(apiKeyRecordOf);
}

export async function getApiKey(accountId: string, keyId: string): Promise<ApiKeyRecord | undefined> {
  const { Item } = await dynamoClient().send(
    new GetCommand({
      TableName: tableName("accounts"),
      Key: { pk: `ACC#${accountId}`, sk: `KEY#${keyId}` },
      ConsistentRead: true,
    }),
  );
  return Item ? apiKeyRecordOf(Item) : undefined;
}

/**
 * Revokes both items together. The authorizer reads the lookup item consistently, so new requests
 * fail at once; a result already in the authorizer cache lives at most its 30 s TTL. Then the
 * usage-plan key is deleted; that is housekeeping (API Gateway's per-region key quota), not
 * security, so a failure there is logged for an operator and does not undo the revocation.
 */
export async function revokeApiKey(
  accountId: string,
  keyId: string,
  clock: Clock,
  usagePlan: UsagePlanKeys = envUsagePlanKeys,
): Promise<boolean> {
  const table = tableName("accounts");
  const { Item } = await dynamoClient().send(
    new GetCommand({
      TableName: table,
      Key: { pk: `ACC#${accountId}`, sk: `KEY#${keyId}` },
      ConsistentRead: true,
    }),
  );
  if (Item?.status !== "active" || typeof Item.hash !== "string") return false;
  const update = {
    UpdateExpression: "SET #status = :revoked, revokedAt = :now",
    ExpressionAttributeNames: { "#status": "status" },
    ExpressionAttributeValues: { ":revoked": "revoked", ":now": clock.now().toISOString() },
  };
  await dynamoClient().send(
    new TransactWriteCommand({
      TransactItems: [
        { Update: { TableName: table, Key: { pk: `APIKEY#${Item.hash}`, sk: "LOOKUP" }, ...update } },
        {
          Update: {
            TableName: table,
            Key: { pk: `ACC#${accountId}`, sk: `KEY#${keyId}` },
            ...update,
            ConditionExpression: "#status = :active",
            ExpressionAttributeValues: { ...update.ExpressionAttributeValues, ":active": "active" },
          },
        },
      ],
    }),
  );
  try {
    await unregisterUsageIdentifier(usagePlan, keyId);
  } catch (error) {
    logger.error("revoked api key is still registered with the usage plan (delete it by hand)", {
      keyId,
      usageKeyName: usageKeyName(usageIdentifier(keyId)),
      error: error instanceof Error ? error.name : "unknown",
    });
  }
  return true;
}
