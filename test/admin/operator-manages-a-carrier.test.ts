/**
 * Issue 11 "carriers": an operator adds a carrier from a carriers-file entry with the `textgate` CLI,
 * sees it listed with quality figures, sends test messages through it (they reach that carrier),
 * reads its quality report per prefix, and disables it, after which routing skips it. Every step is
 * in the operator log with the operator's IAM principal ARN; no secret is in any answer or event.
 */
import { randomInt } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { OPERATOR_LOG } from "../../functions/admin/service.ts";
import { queryAuditEvents } from "../../functions/audit/store.ts";
import { type CarrierSimHandle, startCarrierSim } from "../../local/carrier-sim/index.ts";
import { call, createTestAccount, type TestAccount } from "../messages/support.ts";
import { useLocalPlatformEnv } from "../support/env.ts";
import { textgate, textgateJson } from "./support.ts";

useLocalPlatformEnv();
const prefix = `+49176${String(randomInt(0, 10_000)).padStart(4, "0")}`;
const carrierId = `ops-${randomInt(0, 1e9)}`;
const number = (last: string) => `${prefix}${String(randomInt(0, 1000)).padStart(3, "0")}${last}`;
const probeNumber = number("7");
let sim: CarrierSimHandle;
let account: TestAccount;
let entryFile: string;

beforeAll(async () => {
  [sim, account] = await Promise.all([
    startCarrierSim({ register: false, dlrDelayMs: 20 }),
    createTestAccount(["DE"]),
  ]);
  // The CLI child process reads the secrets from the variables the entry names.
  process.env.OPS_CARRIER_TOKEN = sim.apiToken;
  process.env.OPS_CARRIER_DLR_SECRET = sim.dlrSecret;
  const url = new URL(sim.url);
  const entry = {
    id: carrierId,
    type: "http",
    host: url.hostname,
    port: Number(url.port),
    tls: false,
    allowPlaintext: true,
    passwordEnv: "OPS_CARRIER_TOKEN",
    dlrSecretEnv: "OPS_CARRIER_DLR_SECRET",
    prefixes: [prefix],
    agreedDeliveryRate: 0.95,
    qualityProbe: { accountId: account.accountId, testNumbers: [probeNumber] },
  };
  entryFile = join(mkdtempSync(join(tmpdir(), "textgate-carrier-")), "carrier.json");
  writeFileSync(entryFile, JSON.stringify({ carriers: [entry] }));
});
afterAll(async () => {
  await textgate("carriers", "disable", carrierId, "--reason", "test file finished");
  await sim?.stop();
});

interface Figures {
  submitted: number;
  delivered: number;
  byPrefix?: Record<string, { submitted: number; delivered: number }>;
}

describe("operator manages a carrier through the CLI", () => {
  it("adds, lists with figures, test-sends through it, reports quality, disables; all audited", async () => {
    const added = await textgateJson(
      "carriers",
      "add",
      entryFile,
      "--id",
      carrierId,
      "--reason",
      "new route",
    );
    expect(added).toMatchObject({
      carrierId,
      protocol: "http",
      tls: false,
      enabled: true,
      prefixes: [prefix],
    });
    expect(added.qualityProbe).toEqual({
      accountId: account.accountId,
      testNumbers: [`+${"*".repeat(10)}${probeNumber.slice(-3)}`],
    });

    const listed = await textgateJson<{ carriers: { carrierId: string; quality: { last24h: Figures } }[] }>(
      "carriers",
      "list",
    );
    expect(listed.carriers.find((carrier) => carrier.carrierId === carrierId)?.quality.last24h).toMatchObject(
      {
        submitted: 0,
        deliveryRate: null,
      },
    );
    const human = await textgate("carriers", "list");
    expect(human.stdout).toMatch(new RegExp(`^${carrierId}\\s+http\\s+\\${prefix}`, "m"));

    const probe = await textgateJson<{ sends: { messageId: string; outcome: string }[] }>(
      "carriers",
      "test",
      carrierId,
    );
    const other = number("8");
    const direct = await textgateJson<{ sends: { messageId: string; outcome: string }[] }>(
      "carriers",
      "test",
      carrierId,
      "--to",
      other,
      "--account",
      account.accountId,
    );
    expect([...probe.sends, ...direct.sends].map((send) => send.outcome)).toEqual(["sent", "sent"]);
    expect(sim.outbox(probeNumber).map((entry) => entry.reference)).toEqual([probe.sends[0]?.messageId]);
    expect(sim.outbox(other).map((entry) => entry.reference)).toEqual([direct.sends[0]?.messageId]);

    await expect
      .poll(
        async () =>
          (await textgateJson<{ last24h: Figures }>("carriers", "quality", carrierId)).last24h.delivered,
        {
          timeout: 20_000,
          interval: 500,
        },
      )
      .toBe(2);
    const report = await textgateJson<{ last24h: Figures; last7d: Figures }>(
      "carriers",
      "quality",
      carrierId,
    );
    expect(report.last24h.byPrefix?.[prefix]).toMatchObject({ submitted: 2, delivered: 2 });
    expect(report.last7d).toMatchObject({ submitted: 2, delivered: 2 });

    const disabled = await textgateJson(
      "carriers",
      "disable",
      carrierId,
      "--reason",
      "quality below agreement",
    );
    expect(disabled).toMatchObject({ carrierId, enabled: false });
    // Routing skips it now: a customer message to its prefix goes elsewhere (or nowhere).
    const skipped = number("9");
    const sent = await call("POST", "/v1/messages", {
      apiKey: account.apiKey,
      json: { to: skipped, text: "after the carrier was disabled" },
    });
    expect(sent.status).toBe(202);
    await expect
      .poll(
        async () =>
          (await call("GET", `/v1/messages/${sent.body.id}`, { apiKey: account.apiKey })).body.status,
        {
          timeout: 20_000,
          interval: 250,
        },
      )
      .toMatch(/^(sent|delivered|failed|undelivered)$/);
    const settled = (await call("GET", `/v1/messages/${sent.body.id}`, { apiKey: account.apiKey })).body;
    expect(settled.carrier).not.toBe(carrierId);
    expect(sim.outbox(skipped)).toEqual([]);

    const log = await queryAuditEvents({ accountId: OPERATOR_LOG, limit: 100 }, { now: () => new Date() });
    const events = log.events.filter((event) => event.target?.id === carrierId);
    const arn = inject("operator").arn;
    expect(events.map((event) => [event.action, event.actor.type, event.actor.id]).sort()).toEqual([
      ["carrier.added", "operator", arn],
      ["carrier.disabled", "operator", arn],
      ["carrier.test-sent", "operator", arn],
      ["carrier.test-sent", "operator", arn],
    ]);
    expect(events.find((event) => event.action === "carrier.disabled")?.details).toMatchObject({
      reason: "quality below agreement",
    });
    expect(events.every((event) => typeof event.sourceIp === "string" && event.sourceIp !== "")).toBe(true);
    const everything = JSON.stringify([added, listed, events]);
    expect(everything).not.toContain(sim.apiToken);
    expect(everything).not.toContain(sim.dlrSecret);
  }, 120_000);

  it("refuses a bad entry and a second add of the same id in one line with a script-safe exit code", async () => {
    const badFile = join(mkdtempSync(join(tmpdir(), "textgate-carrier-")), "bad.json");
    writeFileSync(
      badFile,
      JSON.stringify({
        id: `bad-${randomInt(0, 1e9)}`,
        type: "aws-sms",
        prefixes: ["+1"],
        agreedDeliveryRate: 2,
      }),
    );
    const bad = await textgate("carriers", "add", badFile);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split("\n")).toHaveLength(1);
    expect(bad.stderr).toMatch(/carrier\.agreedDeliveryRate: must be at most 1/);

    const again = await textgate("carriers", "add", entryFile);
    expect(again.code).toBe(5);
    expect(again.stderr).toMatch(/^textgate: 409/);

    const missing = await textgate("carriers", "disable", "no-such-carrier", "--reason", "cleanup");
    expect(missing.code).toBe(4);
  }, 60_000);
});
