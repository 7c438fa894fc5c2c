/**
 * Acceptance through HTTP against the local platform: the code travels the real path (verify →
 * acceptMessage → sms-otp queue → dispatch → carrier simulator) and is read from the outbox.
 * Expiry is tested at the use-case level with an injected clock (verification-lifecycle.test.ts):
 * the shortest allowed expiry is 60 s.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { queryAuditEvents } from "../../functions/audit/store.ts";
import { systemClock } from "../../functions/shared/clock.ts";
import { tableName } from "../../functions/shared/config.ts";
import { useLocalPlatformEnv } from "../support/env.ts";
import { scanAll } from "../support/platform.ts";
import { api, codeFromOutbox, createVerifyAccount, outbox, type VerifyAccount } from "./http.ts";
import { estonianMobile, latvianPrefix, numbersUnder } from "./support.ts";

useLocalPlatformEnv();

const PROBLEM = "https://textgate.dev/problems/";
let account: VerifyAccount;
beforeAll(async () => {
  account = await createVerifyAccount();
});

const start = (to: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
  api(account, "POST", "/v1/verifications", { to, channel: "sms", ...extra }, headers);
const check = (id: string, code: string, who = account) =>
  api(who, "POST", `/v1/verifications/${id}/checks`, { code });
const wrongFor = (code: string): string => (code === "000000" ? "000001" : "000000");

/** Every item of a table (DynamoDB Local is small; a scan is fine here). */
const scanTable = (table: string): Promise<Record<string, unknown>[]> =>
  scanAll({ TableName: tableName(table) });

describe("Verify API", () => {
  it("happy path: start → code from the outbox → approved; the approved code cannot be reused", async () => {
    const to = estonianMobile();
    const started = await start(to, { locale: "et", appName: "Acme" });
    expect(started.status).toBe(201);
    expect(started.body).toEqual({
      id: expect.stringMatching(/^ver_[0-9A-Z]{26}$/),
      status: "pending",
      to: `+********${to.slice(-3)}`,
      channel: "sms",
      expiresAt: expect.any(String),
      sendAttempts: 1,
      attemptsRemaining: 5,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    const expiresIn = Date.parse(started.body.expiresAt) - Date.now();
    expect(expiresIn).toBeGreaterThan(590_000);
    expect(expiresIn).toBeLessThanOrEqual(600_000);

    const code = await codeFromOutbox(to);
    const [text] = await outbox(to);
    expect(text?.text).toMatch(/^Acme: Sinu kinnituskood on [0-9]{6}\. Kood kehtib 10 minutit\./);

    // The text went through the send pipeline as an OTP (sms-otp queue), tagged with the verification.
    const [message] = (await scanTable("messages")).filter((m) => m.tag === `verify:${started.body.id}`);
    expect(message).toMatchObject({ accountId: account.accountId, priority: "otp" });

    const approved = await check(started.body.id, code);
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({
      id: started.body.id,
      status: "approved",
      approvedAt: expect.any(String),
    });
    expect((await api(account, "GET", `/v1/verifications/${started.body.id}`)).body.status).toBe("approved");

    const reused = await check(started.body.id, code);
    expect(reused.status).toBe(409);
    expect(reused.headers.get("content-type")).toContain("application/problem+json");
    expect(reused.body).toMatchObject({
      type: `${PROBLEM}verify-not-pending`,
      verificationStatus: "approved",
    });
  });

  it("no table holds the code in clear: verifications, messages, ephemeral (idempotency), audit", async () => {
    const to = estonianMobile();
    const started = await start(to, { codeLength: 10 }, { "Idempotency-Key": `verify-raw-${Date.now()}` });
    expect(started.status).toBe(201);
    const code = await codeFromOutbox(to);
    expect(code).toHaveLength(10);
    for (const table of ["verifications", "messages", "ephemeral", "audit"]) {
      const dump = JSON.stringify(await scanTable(table));
      expect(dump, `table ${table}`).not.toContain(code);
      expect(dump, `table ${table}`).not.toContain(to.slice(1));
    }
  });

  it("five wrong codes → failed; the right code is then refused", async () => {
    const to = estonianMobile();
    const { body } = await start(to);
    const code = await codeFromOutbox(to);
    for (let i = 1; i <= 5; i++) {
      const wrong = await check(body.id, wrongFor(code));
      expect(wrong.status).toBe(422);
      expect(wrong.body).toMatchObject({ type: `${PROBLEM}verify-code-incorrect`, attemptsRemaining: 5 - i });
    }
    expect((await api(account, "GET", `/v1/verifications/${body.id}`)).body.status).toBe("failed");
    const refused = await check(body.id, code);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({
      type: `${PROBLEM}verify-not-pending`,
      verificationStatus: "failed",
      attemptsRemaining: 0,
    });
  });

  it("a resend sends a new code, kills the old one and keeps the failure count", async () => {
    const to = estonianMobile();
    const first = await start(to);
    const oldCode = await codeFromOutbox(to);
    await check(first.body.id, wrongFor(oldCode));
    await check(first.body.id, wrongFor(oldCode));

    const resent = await start(to);
    expect(resent.status).toBe(201);
    expect(resent.body).toMatchObject({ id: first.body.id, sendAttempts: 2, attemptsRemaining: 3 });
    const newCode = await codeFromOutbox(to, 2);
    if (newCode !== oldCode) {
      const old = await check(first.body.id, oldCode);
      expect(old.status).toBe(422);
      expect(old.body.attemptsRemaining).toBe(2);
    }
    expect((await check(first.body.id, newCode)).body.status).toBe("approved");
  });

  it("the 6th send to a number within 10 minutes → 429 problem+json with Retry-After", async () => {
    const to = estonianMobile();
    for (let i = 1; i <= 5; i++) expect((await start(to)).status).toBe(201);
    const sixth = await start(to);
    expect(sixth.status).toBe(429);
    expect(sixth.headers.get("content-type")).toContain("application/problem+json");
    expect(Number(sixth.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(sixth.body).toMatchObject({ type: `${PROBLEM}rate-limited`, status: 429 });
    await codeFromOutbox(to, 5);
    expect(await outbox(to)).toHaveLength(5);
  });

  it("Idempotency-Key on start: a replay returns the same verification and sends no second code", async () => {
    const to = estonianMobile();
    const key = `verify-idem-${Date.now()}`;
    const first = await start(to, {}, { "Idempotency-Key": key });
    const replay = await start(to, {}, { "Idempotency-Key": key });
    expect(replay.status).toBe(201);
    expect(replay.body).toEqual(first.body);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    const other = await start(to, { locale: "de" }, { "Idempotency-Key": key });
    expect(other.status).toBe(409);
    await codeFromOutbox(to);
    expect(await outbox(to)).toHaveLength(1);
  });

  it("cancel: the code is refused afterwards", async () => {
    const to = estonianMobile();
    const { body } = await start(to);
    const code = await codeFromOutbox(to);
    const cancelled = await api(account, "POST", `/v1/verifications/${body.id}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe("cancelled");
    expect((await check(body.id, code)).status).toBe(409);
  });

  it("another account's verification is 404 for read, check and cancel", async () => {
    const to = estonianMobile();
    const { body } = await start(to);
    const code = await codeFromOutbox(to);
    const stranger = await createVerifyAccount();
    expect((await api(stranger, "GET", `/v1/verifications/${body.id}`)).status).toBe(404);
    expect((await check(body.id, code, stranger)).status).toBe(404);
    expect((await api(stranger, "POST", `/v1/verifications/${body.id}/cancel`)).status).toBe(404);
    expect((await check(body.id, code)).body.status).toBe("approved");
  });

  it("a country outside the allow-list → 403 verify-country-not-allowed, nothing sent", async () => {
    const refused = await start("+4915112345678", {}, { "Idempotency-Key": `verify-de-${Date.now()}` });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ type: `${PROBLEM}verify-country-not-allowed`, country: "DE" });
    expect(await outbox("+4915112345678")).toHaveLength(0);
    // The audit event names who asked, from where, in which request (also behind Idempotency-Key).
    const { events } = await queryAuditEvents(
      { accountId: account.accountId, action: "verify.blocked", limit: 10 },
      systemClock,
    );
    expect(events[0]).toMatchObject({
      actor: { type: "apiKey", id: expect.stringMatching(/^key_/) },
      sourceIp: expect.any(String),
      requestId: refused.body.instance,
      details: { reason: "country-not-allowed", country: "DE" },
    });
  });

  it("validates the request (problem+json with field errors)", async () => {
    const bad = await start("12345", { codeLength: 4, expirySeconds: 3600, appName: "evil.example/login" });
    expect(bad.status).toBe(400);
    const fields = (bad.body.errors as { field: string }[]).map((e) => e.field).sort();
    expect(fields).toEqual(["appName", "codeLength", "expirySeconds", "to"]);
  });
});

describe("fraud guard through HTTP", () => {
  it("a burst of 50 starts to one fresh prefix with no checks is blocked; blocked starts send nothing and are audited", async () => {
    const pumped = await createVerifyAccount();
    const prefix = latvianPrefix();
    const results: { to: string; status: number; type?: string }[] = [];
    for (const to of numbersUnder(prefix, 50)) {
      const reply = await api(pumped, "POST", "/v1/verifications", { to, channel: "sms" });
      results.push({ to, status: reply.status, type: reply.body?.type });
    }
    const sent = results.filter((r) => r.status === 201);
    const blocked = results.filter((r) => r.type === `${PROBLEM}verify-fraud-blocked`);
    const outcomes = results.map((r) => (r.status === 201 ? "sent" : `${r.status} ${r.type}`));
    expect(outcomes).toEqual([
      ...Array(20).fill("sent"),
      ...Array(30).fill(`429 ${PROBLEM}verify-fraud-blocked`),
    ]);
    expect(results.at(-1)?.status).toBe(429);
    for (const { to } of blocked.slice(0, 5)) expect(await outbox(to)).toHaveLength(0);
    // Not charged: a message (and its price) exists only for the starts that went out.
    const messages = (await scanTable("messages")).filter((m) => m.accountId === pumped.accountId);
    expect(messages).toHaveLength(sent.length);
    const { events } = await queryAuditEvents(
      { accountId: pumped.accountId, action: "verify.blocked", limit: 100 },
      systemClock,
    );
    expect(events).toHaveLength(blocked.length);
    expect(events[0]).toMatchObject({
      outcome: "blocked",
      details: { reason: "fraud-prefix", country: "LV" },
    });
  });
});
