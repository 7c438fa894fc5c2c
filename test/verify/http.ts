/**
 * HTTP helpers for the Verify API tests: an own account + API key per test file (limits, fraud
 * counters and throttling stay this file's alone), a fetch client, and the carrier outbox.
 */
import { randomBytes } from "node:crypto";
import { expect, inject } from "vitest";
import { createApiKey } from "../../functions/auth/api-keys.ts";
import { createAccountWithOwner } from "../../functions/identity/accounts.ts";
import { systemClock } from "../../functions/shared/clock.ts";
import { codeIn } from "./support.ts";

export interface VerifyAccount {
  readonly accountId: string;
  readonly apiKey: string;
}

export async function createVerifyAccount(
  allowedCountries: readonly string[] = ["EE", "LV"],
): Promise<VerifyAccount> {
  const { account } = await createAccountWithOwner(
    {
      name: "verify test",
      allowedCountries,
      owner: {
        email: `verify-test+${randomBytes(6).toString("hex")}@textgate.local`,
        role: "owner",
        passwordHash: "not-a-login",
      },
    },
    systemClock,
  );
  const { key } = await createApiKey(
    { accountId: account.accountId, name: "verify test", scopes: ["verify", "read"], mode: "test" },
    systemClock,
  );
  return { accountId: account.accountId, apiKey: key };
}

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

interface OutboxEntry {
  readonly to: string;
  readonly text: string;
}

export async function outbox(to: string): Promise<OutboxEntry[]> {
  const response = await fetch(`${inject("outboxUrl")}?to=${encodeURIComponent(to)}`);
  const body = (await response.json()) as unknown;
  return (Array.isArray(body) ? body : ((body as { messages?: unknown[] }).messages ?? [])) as OutboxEntry[];
}

/** Waits until the simulated carrier holds `count` texts for `to`; returns the newest one's code. */
export async function codeFromOutbox(to: string, count = 1): Promise<string> {
  await expect
    .poll(async () => (await outbox(to)).length, { timeout: 15_000, interval: 100 })
    .toBeGreaterThanOrEqual(count);
  return codeIn((await outbox(to))[0]?.text);
}
