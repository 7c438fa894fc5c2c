/**
 * HTTP helpers for the Verify API tests: an own account + API key per test file (limits, fraud
 * counters and throttling stay this file's alone), a fetch client, and the carrier outbox.
 */
import { expect, inject } from "vitest";
import { outbox } from "../support/outbox.ts";
import { type AccountWithKey, createAccountWithKey } from "../support/platform.ts";
import { codeIn } from "./support.ts";

export type VerifyAccount = AccountWithKey;

export const createVerifyAccount = (
  allowedCountries: readonly string[] = ["EE", "LV"],
): Promise<VerifyAccount> =>
  createAccountWithKey({
    name: "verify test",
    emailTag: "verify-test",
    keyName: "verify test",
    scopes: ["verify", "read"],
    allowedCountries,
  });

export interface Reply {
  readonly status: number;
  readonly headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: JSON from the API under test
  readonly body: any;
}

export async function api(
  account: VerifyAccount,
  method: "GET" | "POST",
  path: string,
  json?: unknown,
  headers: Record<string, string> = {},
): Promise<Reply> {
  const response = await fetch(`${inject("apiUrl")}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${account.apiKey}`,
      ...(json !== undefined ? { "content-type": "application/json" } : {}),
      ...headers,
    },
    ...(json !== undefined ? { body: JSON.stringify(json) } : {}),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

export { outbox };

/** Waits until the simulated carrier holds `count` texts for `to`; returns the newest one's code. */
export async function codeFromOutbox(to: string, count = 1): Promise<string> {
  await expect
    .poll(async () => (await outbox(to)).length, { timeout: 15_000, interval: 100 })
    .toBeGreaterThanOrEqual(count);
  return codeIn((await outbox(to))[0]?.text);
}
