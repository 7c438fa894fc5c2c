import { randomInt } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { assessCarriers, MIN_FINAL_REPORTS } from "../../functions/carriers/quality/assessment.ts";
import { carrierQualityReport } from "../../functions/carriers/quality-report.ts";
import { registerCarrier } from "../../functions/carriers/store.ts";
import { dispatchDeps } from "../../functions/dispatch/handler.ts";
import { dispatchMessage } from "../../functions/dispatch/service.ts";
import { handler as probeHandler } from "../../functions/status/probe-handler.ts";
import { catalog } from "../../lib/catalog/index.ts";
import { type CarrierSimHandle, startCarrierSim } from "../../local/carrier-sim/index.ts";
import { storeMessage } from "../dispatch/support.ts";
import { createTestAccount, type TestAccount } from "../messages/support.ts";
import { useLocalPlatformEnv } from "../support/env.ts";

useLocalPlatformEnv();

/**
 * Vendor assessment: a carrier that delivers 7 of 10 messages against an agreed 95 % is below its
 * agreement — the assessment says so, the status page's "Carrier delivery" component is degraded,
 * and the alarm metric has an alarm in the catalogue. Its own carrier and prefix keep other files out.
 */
const prefix = `+49176${String(randomInt(0, 10_000)).padStart(4, "0")}`;
const carrierId = `assess-${randomInt(0, 1e9)}`;
let sim: CarrierSimHandle;
let account: TestAccount;

const register = (enabled: boolean) =>
  registerCarrier({
    carrierId,
    baseUrl: sim.url,
    prefixes: [prefix],
    enabled,
    apiToken: sim.apiToken,
    dlrSecret: sim.dlrSecret,
    dlrUrl: `${inject("apiUrl")}/v1/carriers/${carrierId}/dlr`,
    agreedDeliveryRate: 0.95,
  });

beforeAll(async () => {
  [sim, account] = await Promise.all([
    startCarrierSim({ register: false, dlrDelayMs: 20 }),
    createTestAccount(["DE"]),
  ]);
  await register(true);
});
afterAll(async () => {
  // No live route to a stopped simulator, and no lasting degraded component, for other files.
  await register(false);
  await sim?.stop();
});

async function send(to: string): Promise<void> {
  const id = await storeMessage({ accountId: account.accountId, to, text: "assessment" });
  await dispatchMessage({ messageId: id, receiveCount: 1, maxReceiveCount: 5 }, dispatchDeps());
}

describe("a carrier below its agreed delivery rate", () => {
  it("is flagged by the assessment and degrades the status page's Carrier delivery component", async () => {
    const rest = 14 - prefix.length;
    const digits = (n: number) => (n > 0 ? String(randomInt(0, 10 ** n)).padStart(n, "0") : "");
    // …0000 is reported undelivered by the simulator; the rest end in 7 and are delivered.
    const numbers = [
      ...Array.from({ length: 7 }, (_, i) => `${prefix}${String(i).padStart(rest - 1, "0")}7`),
      ...Array.from({ length: 3 }, () => `${prefix}${digits(rest - 4)}0000`),
    ];
    expect(numbers).toHaveLength(MIN_FINAL_REPORTS);
    for (const to of numbers) await send(to);
    await expect
      .poll(
        async () => {
          const { last24h } = await carrierQualityReport(carrierId);
          return last24h.delivered + last24h.notDelivered;
        },
        { timeout: 20_000, interval: 250 },
      )
      .toBe(10);

    const mine = (await assessCarriers()).find((carrier) => carrier.carrierId === carrierId);
    expect(mine).toEqual({
      carrierId,
      deliveryRate: 0.7,
      finalReports: 10,
      agreedDeliveryRate: 0.95,
      belowAgreed: true,
    });
    const probe = await probeHandler({ time: new Date().toISOString() });
    expect(probe.states["carrier-delivery"]).toBe("degraded");

    const page = (await (await fetch(`${inject("apiUrl")}/status.json`)).json()) as unknown;
    expect(JSON.stringify(page)).toContain("Carrier delivery");
  });

  it("has a catalogue alarm metric emitted by the prober, which may read the quality figures", () => {
    const prober = catalog.functions.find((fn) => fn.id === "status-probe");
    expect(prober?.grants.tables?.["carrier-quality"]).toBe("read");
  });
});
