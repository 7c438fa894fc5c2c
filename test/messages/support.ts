/**
 * Helpers for the messaging tests: a fresh account + API key per test file (so counts in the
 * messages table are this file's alone), a small fetch client, and direct table reads.
 */
import { randomInt } from "node:crypto";
import { inject } from "vitest";
import { tableName } from "../../functions/shared/config.ts";
import { outbox } from "../support/outbox.ts";
import { type AccountWithKey, createAccountWithKey, scanAll } from "../support/platform.ts";

export type TestAccount = AccountWithKey;

export const createTestAccount = (
  allowedCountries: readonly string[] = ["EE", "DE", "GB"],
): Promise<TestAccount> =>
  createAccountWithKey({
    name: "messaging test",
    emailTag: "msg-test",
    keyName: "test",
    scopes: ["send", "read"],
    allowedCountries,
  });

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
export const storedMessagesOf = (accountId: string): Promise<Record<string, unknown>[]> =>
  scanAll({
    TableName: tableName("messages"),
    FilterExpression: "accountId = :a",
    ExpressionAttributeValues: { ":a": accountId },
  });

export { outbox };
