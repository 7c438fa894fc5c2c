/**
 * Helpers for the audit coverage tests: a fresh account whose owner signs in, and a reader of its
 * audit trail through GET /v1/audit/events. Each audited request is sent with a User-Agent of its
 * own, so "the events this request wrote" is a filter on the trail (and proves the header flows).
 */
import { randomBytes } from "node:crypto";
import { expect } from "vitest";
import { createAccountWithOwner } from "../../functions/identity/accounts.ts";
import { hashPassword } from "../../functions/identity/passwords.ts";
import { systemClock } from "../../functions/shared/clock.ts";
import { type ApiClient, signIn, strongPassword, uniqueEmail } from "../identity/client.ts";

export interface AuditEvent {
  readonly id: string;
  readonly at: string;
  readonly action: string;
  readonly outcome: string;
  readonly actor: { readonly type: string; readonly id: string };
  readonly target?: { readonly type: string; readonly id: string };
  readonly sourceIp?: string;
  readonly userAgent?: string;
  readonly requestId?: string;
  readonly details?: Record<string, unknown>;
  readonly class: string;
}

export interface AuditedAccount {
  readonly accountId: string;
  readonly ownerId: string;
  readonly ownerEmail: string;
  readonly ownerPassword: string;
  readonly ownerToken: string;
}

/** An account allowed to send to Estonia only, with an owner who is signed in. */
export async function createAuditedAccount(client: ApiClient): Promise<AuditedAccount> {
  const ownerPassword = strongPassword();
  const ownerEmail = uniqueEmail("audit-owner");
  const { account, userId } = await createAccountWithOwner(
    {
      name: "audit coverage",
      allowedCountries: ["EE"],
      owner: { email: ownerEmail, role: "owner", passwordHash: await hashPassword(ownerPassword) },
    },
    systemClock,
  );
  const { token } = await signIn(client, ownerEmail, ownerPassword);
  return {
    accountId: account.accountId,
    ownerId: userId,
    ownerEmail,
    ownerPassword,
    ownerToken: token,
  };
}

/** A User-Agent no other request sends: it marks the events one request wrote. */
export const uniqueUserAgent = (label: string): string =>
  `audit-coverage/${label} (${randomBytes(6).toString("hex")})`;

/** Every event of the account, newest first, all pages. */
export async function auditTrail(client: ApiClient, ownerToken: string): Promise<AuditEvent[]> {
  const events: AuditEvent[] = [];
  let cursor: string | undefined;
  do {
    const query = new URLSearchParams({ limit: "100", ...(cursor ? { cursor } : {}) });
    const reply = await client.call("GET", `/v1/audit/events?${query}`, { token: ownerToken });
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    events.push(...(reply.body.events as AuditEvent[]));
    cursor = reply.body.nextCursor;
  } while (cursor);
  return events;
}

/**
 * The one event the request sent with `userAgent` wrote: exactly one event carries it, of `action`,
 * from the client's address, with a time.
 */
export async function onlyEventOf(
  client: ApiClient,
  ownerToken: string,
  userAgent: string,
  action: string,
): Promise<AuditEvent> {
  const written = (await auditTrail(client, ownerToken)).filter((event) => event.userAgent === userAgent);
  expect(written.map((event) => event.action)).toEqual([action]);
  const [event] = written;
  if (!event) throw new Error("unreachable: one event was asserted");
  expect(event.sourceIp).toBe(client.sourceIp);
  expect(event.requestId).toEqual(expect.any(String));
  expect(Number.isNaN(Date.parse(event.at))).toBe(false);
  return event;
}
