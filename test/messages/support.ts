/**
 * Helpers for the messaging tests: a fresh account + API key per test file (so counts in the
 * messages table are this file's alone), a small fetch client, and direct table reads.
 */
import { randomBytes, randomInt } from "node:crypto";
import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import { inject } from "vitest";
import { createApiKey } from "../../functions/auth/api-keys.ts";
import { createAccountWithOwner } from "../../functions/identity/accounts.ts";
import { dynamoClient } from "../../functions/shared/aws.ts";
import { systemClock } from "../../functions/shared/clock.ts";
import { tableName } from "../../functions/shared/config.ts";

export interface TestAccount {
  readonly accountId: string;
  readonly apiKey: string;
}

export async function createTestAccount(allowedCountries: readonly string[] = ["EE", "DE", "GB"]) {
  const { account } = await createAccountWithOwner(
    {
      name: "messaging test",
      allowedCountries,
      owner: {
        email: `msg-test+${randomBytes(6).toString("hex")}@textgate.local`,
        role: "owner",
        passwordHash: "not-a-login",
      },
    },
    systemClock,
  );
  const { key } = await createApiKey(
    { accountId: account.accountId, name: "test", scopes: ["send", "read"], mode: "test" },
    systemClock,
  );
  return { accountId: account.accountId, apiKey: key } satisfies TestAccount;
}

/** A random Estonian mobile (+372 56xx xxxx) whose last digit avoids the simulator's fault hooks. */
export const randomMobile = (suffix?: string): string => {
  const body = `56${String(randomInt(0, 10 ** 6)).padStart(6, "0")}`;
  return suffix
    ? `+372${body.slice(0, 8 - suffix.length)}${suffix}`
    : `+372${body.slice(0, 7)}${randomInt(5, 10)}`;
};

export interface Reply {
  readonly status: number;
  readonly headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: JSON from the API under test
  readonly body: any;
}

export async function call(
  method: string,
  path: string,
  options: { apiKey?: string; json?: unknown; raw?: string; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const body = options.raw ?? (options.json === undefined ? undefined : JSON.stringify(options.json));
  const response = await fetch(`${inject("apiUrl")}${path}`, {
    method,
    headers: {
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
      ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
      ...(options.headers ?? {}),
    },
    ...(body !== undefined ? { body } : {}),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // keep text
  }
  return { status: response.status, headers: response.headers, body: parsed };
}

/** Every stored message of an account, straight from the table (a scan: fine on DynamoDB Local). */
export async function storedMessagesOf(accountId: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await dynamoClient().send(
      new ScanCommand({
        TableName: tableName("messages"),
        FilterExpression: "accountId = :a",
        ExpressionAttributeValues: { ":a": accountId },
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

export const outbox = async (to: string): Promise<{ to: string; text: string; reference: string }[]> => {
  const response = await fetch(`${inject("outboxUrl")}?to=${encodeURIComponent(to)}`);
  const body = (await response.json()) as unknown;
  // The gateway may wrap the list; accept both shapes.
  if (Array.isArray(body)) return body;
  return ((body as { messages?: unknown[] }).messages ?? []) as {
    to: string;
    text: string;
    reference: string;
  }[];
};
