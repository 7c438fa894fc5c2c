/**
 * Helpers for the data-subject tests: an own account whose owner can sign in (privacy routes need an
 * owner or admin user), an API key that sends and verifies, a developer user (refused), and a fetch
 * client that takes either credential.
 */
import { randomBytes } from "node:crypto";
import { expect, inject } from "vitest";
import { createApiKey } from "../../functions/auth/api-keys.ts";
import { createAccountWithOwner } from "../../functions/identity/accounts.ts";
import { hashPassword } from "../../functions/identity/passwords.ts";
import { systemClock } from "../../functions/shared/clock.ts";
import { apiClient, createUser, signIn, strongPassword } from "../identity/client.ts";

export interface PrivacyAccount {
  readonly accountId: string;
  readonly apiKey: string;
  readonly ownerToken: string;
}

export async function createPrivacyAccount(): Promise<PrivacyAccount> {
  const password = strongPassword();
  const email = `privacy+${randomBytes(6).toString("hex")}@example.test`;
  const { account } = await createAccountWithOwner(
    {
      name: "privacy test",
      allowedCountries: ["EE"],
      owner: { email, role: "owner", passwordHash: await hashPassword(password) },
    },
    systemClock,
  );
  const { key } = await createApiKey(
    { accountId: account.accountId, name: "privacy", scopes: ["send", "read", "verify"], mode: "test" },
    systemClock,
  );
  const { token } = await signIn(apiClient(), email, password);
  return { accountId: account.accountId, apiKey: key, ownerToken: token };
}

/** A developer of the account (invited and signed in through the API). */
export async function developerToken(account: PrivacyAccount): Promise<string> {
  return (await createUser(apiClient(), account.ownerToken, "developer")).token;
}

export interface Reply {
  readonly status: number;
  // biome-ignore lint/suspicious/noExplicitAny: JSON from the API under test
  readonly body: any;
}

/** A request with `credential` (API key or user token) as the bearer. */
export async function call(
  credential: string,
  method: "GET" | "POST",
  path: string,
  json?: unknown,
  headers: Record<string, string> = {},
): Promise<Reply> {
  const response = await fetch(`${inject("apiUrl")}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${credential}`,
      ...(json !== undefined ? { "content-type": "application/json" } : {}),
      ...headers,
    },
    ...(json !== undefined ? { body: JSON.stringify(json) } : {}),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

/** Sends an SMS with the account's API key; returns the message id. */
export async function send(
  account: PrivacyAccount,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<string> {
  const reply = await call(account.apiKey, "POST", "/v1/messages", body, headers);
  expect(reply.status, JSON.stringify(reply.body)).toBe(202);
  return reply.body.id as string;
}

/** Waits (bounded) until the erasure's receipt says completed, and returns it. */
export async function completedReceipt(account: PrivacyAccount, erasureId: string): Promise<Reply["body"]> {
  await expect
    .poll(
      async () => (await call(account.ownerToken, "GET", `/v1/privacy/erasures/${erasureId}`)).body?.status,
      { timeout: 20_000, interval: 100 },
    )
    .toBe("completed");
  return (await call(account.ownerToken, "GET", `/v1/privacy/erasures/${erasureId}`)).body;
}
