/**
 * Helpers shared by the capability tests that run against the local platform: an own account +
 * API key per test file (so counters and table contents stay that file's alone) and full table
 * scans. The carrier outbox is in outbox.ts, which imports no production code.
 */
import { randomBytes } from "node:crypto";
import { type NativeAttributeValue, ScanCommand, type ScanCommandInput } from "@aws-sdk/lib-dynamodb";
import { createApiKey } from "../../functions/auth/api-keys.ts";
import { createAccountWithOwner } from "../../functions/identity/accounts.ts";
import { dynamoClient } from "../../functions/shared/aws.ts";
import { systemClock } from "../../functions/shared/clock.ts";
import { allPages } from "../../functions/shared/dynamo.ts";
import type { ApiKeyScope } from "../../functions/shared/principal.ts";

export interface AccountWithKey {
  readonly accountId: string;
  readonly apiKey: string;
  /** The key's id: the principalId of requests made with it. */
  readonly keyId: string;
}

/** A fresh account (owner without a usable login) and a test-mode API key with these scopes. */
export async function createAccountWithKey(options: {
  readonly name: string;
  readonly emailTag: string;
  readonly keyName: string;
  readonly scopes: readonly ApiKeyScope[];
  readonly allowedCountries: readonly string[];
}): Promise<AccountWithKey> {
  const { account } = await createAccountWithOwner(
    {
      name: options.name,
      allowedCountries: options.allowedCountries,
      owner: {
        email: `${options.emailTag}+${randomBytes(6).toString("hex")}@textgate.local`,
        role: "owner",
        passwordHash: "not-a-login",
      },
    },
    systemClock,
  );
  const { key, record } = await createApiKey(
    { accountId: account.accountId, name: options.keyName, scopes: options.scopes, mode: "test" },
    systemClock,
  );
  return { accountId: account.accountId, apiKey: key, keyId: record.keyId };
}

/** Every item a scan returns, through all pages (DynamoDB Local is small; a scan is fine here). */
export const scanAll = (
  input: Omit<ScanCommandInput, "ExclusiveStartKey">,
): Promise<Record<string, NativeAttributeValue>[]> =>
  allPages((start) =>
    dynamoClient().send(new ScanCommand({ ...input, ...(start ? { ExclusiveStartKey: start } : {}) })),
  );
