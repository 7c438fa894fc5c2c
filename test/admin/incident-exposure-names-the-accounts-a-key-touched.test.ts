/**
 * The incident exposure query through the `textgate` CLI against the local platform. Accounts A and
 * B both send in the window with their own keys; A's key k1 (send, read, verify) is revoked. The
 * query for k1 names exactly account A, with what k1 sent (numbers, bodies) and what it could read
 * (A's other key's message, masked); a carrier names both accounts that used it; --all, a function
 * scope, an empty earlier window, the Markdown report and the operator log follow.
 */
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { OPERATOR_LOG } from "../../functions/admin/service.ts";
import { queryAuditEvents } from "../../functions/audit/store.ts";
import { createApiKey, revokeApiKey } from "../../functions/auth/api-keys.ts";
import { systemClock } from "../../functions/shared/clock.ts";
import { call, randomMobile, storedMessagesOf } from "../messages/support.ts";
import { useLocalPlatformEnv } from "../support/env.ts";
import { type AccountWithKey, createAccountWithKey } from "../support/platform.ts";
import { textgate, textgateJson } from "./support.ts";

useLocalPlatformEnv();

interface AccountExposure {
  accountId: string;
  principals: string[];
  classes: Record<"numbers" | "bodies" | "codes" | "credentials" | "metadata", number>;
  records: Record<"messages" | "verifications" | "auditEvents" | "credentialItems", number>;
  samples: { kind: string; id: string; to?: string }[];
}
interface ExposureReport {
  scope: { kind: string; id: string };
  principal?: { type: string; id: string; accountId: string; status: string; canRead: string[] };
  reachable: string[];
  accounts: AccountExposure[];
}

const newAccount = (tag: string): Promise<AccountWithKey> =>
  createAccountWithKey({
    name: `exposure ${tag}`,
    emailTag: `exposure-${tag}`,
    keyName: "k1",
    scopes: ["send", "read", "verify"],
    allowedCountries: ["EE"],
  });

const secretText = `exposure-body-${crypto.randomUUID()}`;
let windowFrom: string;
let windowTo: string;
let a: AccountWithKey;
let b: AccountWithKey;
let otherKeyOfA: string;
const sentNumbers: string[] = [];

async function send(apiKey: string): Promise<string> {
  const to = randomMobile();
  sentNumbers.push(to);
  const reply = await call("POST", "/v1/messages", { apiKey, json: { to, text: secretText } });
  expect(reply.status).toBe(202);
  return reply.body.id as string;
}

const exposure = (...args: string[]) =>
  textgateJson<ExposureReport>("incidents", "exposure", "--from", windowFrom, "--to", windowTo, ...args);
const accountIn = (report: ExposureReport, accountId: string) =>
  report.accounts.find((account) => account.accountId === accountId);

beforeAll(async () => {
  windowFrom = new Date(Date.now() - 1000).toISOString();
  [a, b] = await Promise.all([newAccount("a"), newAccount("b")]);
  const other = await createApiKey(
    { accountId: a.accountId, name: "k2", scopes: ["send"], mode: "test" },
    systemClock,
  );
  otherKeyOfA = other.key;
  await send(a.apiKey);
  await send(a.apiKey);
  await send(otherKeyOfA);
  await send(b.apiKey);
  const to = randomMobile();
  sentNumbers.push(to);
  const started = await call("POST", "/v1/verifications", { apiKey: a.apiKey, json: { to, channel: "sms" } });
  expect(started.status).toBe(201);
  // Every message reached a carrier (carrierId is set when it is handed over).
  const handedOver = async () => {
    const stored = [...(await storedMessagesOf(a.accountId)), ...(await storedMessagesOf(b.accountId))];
    return stored.length === 5 && stored.every((message) => typeof message.carrierId === "string");
  };
  const deadline = Date.now() + 20_000;
  while (!(await handedOver())) {
    if (Date.now() > deadline) throw new Error("messages were not handed to a carrier within 20 s");
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  expect(await revokeApiKey(a.accountId, a.keyId, systemClock)).toBe(true);
  windowTo = new Date(Date.now() + 60_000).toISOString();
}, 60_000);

describe("textgate incidents exposure", () => {
  it("names exactly the account a revoked key touched, with what it sent and could read", async () => {
    const report = await exposure("--api-key", a.keyId);
    expect(report.principal).toEqual({
      type: "apiKey",
      id: a.keyId,
      accountId: a.accountId,
      status: "revoked",
      canRead: ["messages", "verifications"],
    });
    expect(report.accounts.map((account) => account.accountId)).toEqual([a.accountId]);
    const [exposed] = report.accounts;
    // Sent by k1: two texts (number + body each) and one verification (number; its code never came back).
    // Readable by k1 through GET /v1/messages/{id}: the message of A's other key, masked.
    expect(exposed?.classes).toEqual({ numbers: 3, bodies: 2, codes: 0, credentials: 0, metadata: 1 });
    expect(exposed?.records).toMatchObject({ messages: 3, verifications: 1 });
    expect(exposed?.principals).toContain(`apiKey:${a.keyId}`);
    expect(exposed?.principals).not.toContain(`apiKey:${b.keyId}`);
    for (const sample of exposed?.samples ?? []) expect(sample.to ?? "").toMatch(/^\+\*+\d{3}$/);
  });

  it("names both accounts that used a carrier, with numbers, bodies and codes handed to it", async () => {
    const [messageOfB] = await storedMessagesOf(b.accountId);
    const carrierId = String(messageOfB?.carrierId);
    const report = await exposure("--carrier", carrierId);
    const handedByA = (await storedMessagesOf(a.accountId)).filter((m) => m.carrierId === carrierId);
    const otpOfA = handedByA.filter((m) => m.priority === "otp").length;
    expect(accountIn(report, b.accountId)?.classes).toMatchObject({ numbers: 1, bodies: 1, codes: 0 });
    expect(handedByA.length).toBeGreaterThan(0);
    expect(accountIn(report, a.accountId)?.classes).toMatchObject({
      numbers: handedByA.length,
      bodies: handedByA.length - otpOfA,
      codes: otpOfA,
    });
  });

  it("--all names every account with data in the window", async () => {
    const report = await exposure("--all");
    expect(accountIn(report, a.accountId)?.records).toMatchObject({ messages: 4, verifications: 1 });
    expect(accountIn(report, a.accountId)?.classes).toMatchObject({ numbers: 5, bodies: 3 });
    expect(accountIn(report, b.accountId)?.classes).toMatchObject({ numbers: 1, bodies: 1 });
    expect(accountIn(report, a.accountId)?.principals).toContain(`apiKey:${a.keyId}`);
  });

  it("derives a function's reach from its catalogue grants (messages-read: no field key, masks only)", async () => {
    const report = await exposure("--function", "messages-read");
    expect(report.reachable).toEqual(["metadata"]);
    expect(accountIn(report, a.accountId)?.classes).toEqual({
      numbers: 0,
      bodies: 0,
      codes: 0,
      credentials: 0,
      metadata: 4,
    });
  });

  it("finds nothing in a window before the sends", async () => {
    const hoursBefore = (hours: number) => new Date(Date.parse(windowFrom) - hours * 3600_000).toISOString();
    for (const scope of [["--api-key", a.keyId], ["--all"]]) {
      const report = await textgateJson<ExposureReport>(
        "incidents",
        "exposure",
        "--from",
        hoursBefore(2),
        "--to",
        hoursBefore(1),
        ...scope,
      );
      expect(report.accounts).toEqual([]);
    }
  });

  it("writes a Markdown report for the customer: account, classes, no text and no full number", async () => {
    const file = join(await mkdtemp(join(tmpdir(), "exposure-")), "report.md");
    const run = await textgate(
      "incidents",
      "exposure",
      "--from",
      windowFrom,
      "--to",
      windowTo,
      "--api-key",
      a.keyId,
      "--markdown",
      file,
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(a.accountId);
    const markdown = await readFile(file, "utf8");
    expect(markdown).toContain(`## Account ${a.accountId}`);
    expect(markdown).toContain("3 × recipients' phone numbers");
    expect(markdown).toContain("2 × message texts");
    expect(markdown).toContain("has been revoked");
    expect(markdown).not.toContain(b.accountId);
    expect(markdown).not.toContain(secretText);
    for (const number of sentNumbers) expect(markdown).not.toContain(number);
  });

  it("records the query in the operator log", async () => {
    await exposure("--api-key", a.keyId);
    const { events } = await queryAuditEvents(
      { accountId: OPERATOR_LOG, action: "incident.exposure.queried", limit: 50 },
      systemClock,
    );
    expect(events.some((event) => event.target?.id === a.keyId && event.actor.type === "operator")).toBe(
      true,
    );
  });

  it("refuses unsigned callers (404 like API Gateway's mapped MISSING_AUTHENTICATION_TOKEN)", async () => {
    const response = await fetch(new URL("/v1/admin/incidents/exposure", inject("apiUrl")), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ from: windowFrom, to: windowTo, scope: { all: true } }),
    });
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toContain("application/problem+json");
  });
});
