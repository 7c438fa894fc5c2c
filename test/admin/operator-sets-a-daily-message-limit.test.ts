/**
 * Issue 11 account limits: the operator sets limits.messagesPerDay (CLI flags on create and update)
 * and the send API holds every account to it with an atomic reservation per UTC day: parallel sends
 * count like sequential ones, and the replay of an accepted send (same Idempotency-Key) never takes
 * a second message of the day nor is refused because of it.
 */
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { uniqueEmail } from "../identity/client.ts";
import { call, createTestAccount, randomMobile, type TestAccount } from "../messages/support.ts";
import { useLocalPlatformEnv } from "../support/env.ts";
import { textgate, textgateJson } from "./support.ts";

useLocalPlatformEnv();

interface AccountView {
  accountId: string;
  limits?: { messagesPerDay?: number };
}

/** A fresh account whose daily limit the operator sets before its first send. */
async function accountLimitedTo(messagesPerDay: number): Promise<TestAccount> {
  const account = await createTestAccount();
  const updated = await textgateJson<AccountView>(
    "accounts",
    "update",
    account.accountId,
    "--messages-per-day",
    String(messagesPerDay),
    "--reason",
    "trial account",
  );
  expect(updated.limits).toEqual({ messagesPerDay });
  return account;
}

const send = (account: TestAccount, idempotencyKey?: string) =>
  call("POST", "/v1/messages", {
    apiKey: account.apiKey,
    json: { to: randomMobile(), text: "limited" },
    ...(idempotencyKey ? { headers: { "idempotency-key": idempotencyKey } } : {}),
  });
const newKey = () => `limit-${randomBytes(8).toString("hex")}`;

describe("the operator-set daily message limit", () => {
  it("accepts exactly messagesPerDay of 20 parallel sends and answers the rest 429 daily-limit-reached", async () => {
    const account = await accountLimitedTo(5);
    // Half with an Idempotency-Key, half without: both send paths take from the same allowance.
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, index) => send(account, index % 2 === 0 ? newKey() : undefined)),
    );
    const statuses = replies.map((reply) => reply.status);
    expect(statuses.filter((status) => status === 202)).toHaveLength(5);
    expect(statuses.filter((status) => status === 429)).toHaveLength(15);
    const refused = replies.find((reply) => reply.status === 429);
    expect(refused?.headers.get("content-type")).toContain("application/problem+json");
    expect(refused?.body).toMatchObject({
      type: "https://textgate.dev/problems/daily-limit-reached",
      status: 429,
      limit: 5,
    });
    expect(Number(refused?.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  it("does not count the replay of an accepted send twice, nor refuse it once the day is used up", async () => {
    const account = await accountLimitedTo(2);
    const key = newKey();
    const json = { to: randomMobile(), text: "once" };
    const headers = { "idempotency-key": key };
    const first = await call("POST", "/v1/messages", { apiKey: account.apiKey, json, headers });
    expect(first.status).toBe(202);
    for (const _ of [1, 2]) {
      const replayed = await call("POST", "/v1/messages", { apiKey: account.apiKey, json, headers });
      expect(replayed.status).toBe(202);
      expect(replayed.body.id).toBe(first.body.id);
    }
    // The replays took nothing: the second message of the day is still there, then none.
    expect((await send(account, newKey())).status).toBe(202);
    expect((await send(account, newKey())).status).toBe(429);
    const replayedAtLimit = await call("POST", "/v1/messages", { apiKey: account.apiKey, json, headers });
    expect(replayedAtLimit.status).toBe(202);
    expect(replayedAtLimit.headers.get("idempotent-replayed")).toBe("true");
  });

  it("is documented in the served OpenAPI as a 429 type of POST /v1/messages", async () => {
    const document = await call("GET", "/openapi.json");
    const tooMany = document.body.paths["/v1/messages"].post.responses["429"];
    expect(tooMany.description).toContain("https://textgate.dev/problems/daily-limit-reached");
  });

  it("is set at creation, removed with none, and refused when not a positive whole number", async () => {
    const created = await textgateJson<{ account: AccountView }>(
      "accounts",
      "create",
      "--name",
      "Limited AS",
      "--countries",
      "EE",
      "--owner-email",
      uniqueEmail("limits"),
      "--messages-per-day",
      "7",
    );
    expect(created.account.limits).toEqual({ messagesPerDay: 7 });
    const { accountId } = created.account;
    const shown = await textgateJson<AccountView>("accounts", "show", accountId);
    expect(shown.limits).toEqual({ messagesPerDay: 7 });

    const removed = await textgateJson<AccountView>(
      "accounts",
      "update",
      accountId,
      "--messages-per-day",
      "none",
    );
    expect(removed.limits ?? {}).toEqual({});
    const zero = await textgate("accounts", "update", accountId, "--messages-per-day", "0");
    expect(zero.code).toBe(2);
  });
});
