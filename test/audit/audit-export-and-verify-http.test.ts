/**
 * Through the public API: GET /v1/audit/export streams JSON Lines equal to the stored events (oldest
 * first, chain fields included so a customer can re-check the hashes), is itself audited, and
 * GET /v1/audit/verify reports an edit made directly in the table.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { eventHash } from "../../functions/audit/chain.ts";
import { exportAuditEvents } from "../../functions/audit/query.ts";
import { chainedEvent } from "../../functions/audit/schemas.ts";
import { dynamoAuditLog } from "../../functions/audit/store.ts";
import { seedDemoAccount } from "../../functions/identity/seed.ts";
import { systemClock } from "../../functions/shared/clock.ts";
import { apiClient, signIn } from "../identity/client.ts";
import { useLocalPlatformEnv } from "../support/env.ts";
import { editStoredItem, eventInput, freshAccountId, storedEvents } from "./chain-support.ts";

useLocalPlatformEnv();
const client = apiClient();
let accountId: string;
let token: string;

beforeAll(async () => {
  const account = await seedDemoAccount({});
  accountId = account.accountId;
  token = (await signIn(client, account.email, account.password)).token;
  const log = dynamoAuditLog(systemClock);
  for (let n = 0; n < 3; n++) await log.record(eventInput(accountId, "webhook.created", n));
  await log.record(eventInput(accountId, "auth.login.failed", 3));
});

const parseLines = (text: string) =>
  text
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => chainedEvent.parse(JSON.parse(line)));

describe("audit export and verify over HTTP", () => {
  it("export: application/x-ndjson, one line per stored event, oldest first, hashes re-checkable; then audit.exported", async () => {
    const stored = (await storedEvents(accountId)).map((item) => chainedEvent.parse(item));
    const reply = await client.call("GET", "/v1/audit/export", { token });
    expect(reply.status).toBe(200);
    expect(reply.headers["content-type"]).toBe("application/x-ndjson");
    expect(reply.headers["textgate-next-cursor"]).toBeUndefined();
    const lines = parseLines(String(reply.body));
    expect(lines).toEqual(stored);
    expect(lines.length).toBeGreaterThanOrEqual(5);
    for (const event of lines) expect(eventHash(event)).toBe(event.hash);

    const exported = await client.call("GET", "/v1/audit/events?action=audit.exported", { token });
    expect(exported.body.events).toHaveLength(1);
    expect(exported.body.events[0]).toMatchObject({
      action: "audit.exported",
      outcome: "success",
      details: { events: lines.length },
    });
  });

  it("export with from/to returns only that window", async () => {
    const stored = (await storedEvents(accountId)).map((item) => chainedEvent.parse(item));
    const [, second, third] = stored;
    if (!second || !third) throw new Error("too few events");
    const reply = await client.call(
      "GET",
      `/v1/audit/export?from=${encodeURIComponent(second.at)}&to=${encodeURIComponent(third.at)}`,
      { token },
    );
    expect(reply.status).toBe(200);
    expect(parseLines(String(reply.body))).toEqual(
      stored.filter((e) => e.at >= second.at && e.at <= third.at),
    );
  });

  it("verify: valid for the untouched account, then names the event edited in the table", async () => {
    const before = await client.call("GET", "/v1/audit/verify", { token });
    expect(before.status).toBe(200);
    expect(before.body).toMatchObject({ valid: true });
    expect(before.body.checked).toBeGreaterThanOrEqual(5);

    const target = (await storedEvents(accountId)).find((item) => item.action === "webhook.created");
    if (!target) throw new Error("no webhook.created event");
    await editStoredItem({ pk: target.pk, sk: target.sk }, { outcome: "failure" });
    const after = await client.call("GET", "/v1/audit/verify", { token });
    expect(after.body).toMatchObject({ valid: false, firstBreak: { id: target.id, at: target.at } });
  });

  it("export pages: a page stops at its size with a cursor; following the cursors yields every event once, in order", async () => {
    const other = freshAccountId();
    const log = dynamoAuditLog(systemClock);
    for (let n = 0; n < 5; n++)
      await log.record(eventInput(other, n % 2 ? "auth.login.failed" : "webhook.created", n));
    const pages: string[][] = [];
    let cursor: string | undefined;
    do {
      const page = await exportAuditEvents(
        { accountId: other, maxEvents: 2, ...(cursor ? { cursor } : {}) },
        systemClock,
      );
      pages.push(page.events.map((event) => event.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(pages.slice(0, 3).map((page) => page.length)).toEqual([2, 2, 1]);
    const stored = (await storedEvents(other)).map((item) => String(item.id));
    expect(pages.flat()).toEqual(stored);
  });

  it("export with a cursor that is not one: 400", async () => {
    const reply = await client.call("GET", "/v1/audit/export?cursor=bogus", { token });
    expect(reply.status).toBe(400);
  });
});
