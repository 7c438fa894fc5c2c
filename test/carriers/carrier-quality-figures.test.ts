import { randomInt } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { carrierQualityReport } from "../../functions/carriers/quality-report.ts";
import { registerCarrier } from "../../functions/carriers/store.ts";
import { dispatchDeps } from "../../functions/dispatch/handler.ts";
import { dispatchMessage } from "../../functions/dispatch/service.ts";
import { type CarrierSimHandle, startCarrierSim } from "../../local/carrier-sim/index.ts";
import { storeMessage } from "../dispatch/support.ts";
import { createTestAccount, type TestAccount } from "../messages/support.ts";
import { useLocalPlatformEnv } from "../support/env.ts";

useLocalPlatformEnv();

/**
 * Per carrier and destination: submit success rate, delivery rate, time to DLR and error codes are
 * counted where they happen — the dispatcher's submit (in this worker, with the dispatch function's
 * store) and the carrier's signed DLRs through the platform's DLR route (the dlr function, under its
 * catalogue grants). A carrier of its own keeps other test files' traffic out of its figures.
 */
const prefix = `+49176${String(randomInt(0, 10_000)).padStart(4, "0")}`;
const carrierId = `quality-${randomInt(0, 1e9)}`;
let sim: CarrierSimHandle;
let account: TestAccount;

beforeAll(async () => {
  [sim, account] = await Promise.all([
    startCarrierSim({
      register: { carrierId, prefixes: [prefix] },
      dlrUrl: `${inject("apiUrl")}/v1/carriers/${carrierId}/dlr`,
      dlrDelayMs: 20,
    }),
    createTestAccount(["DE"]),
  ]);
});
afterAll(async () => {
  await registerCarrier({
    carrierId,
    baseUrl: sim.url,
    prefixes: [prefix],
    enabled: false,
    apiToken: sim.apiToken,
    dlrSecret: sim.dlrSecret,
  });
  await sim?.stop();
});

async function send(to: string): Promise<string> {
  const id = await storeMessage({ accountId: account.accountId, to, text: "quality figures" });
  await dispatchMessage({ messageId: id, receiveCount: 1, maxReceiveCount: 5 }, dispatchDeps()).catch(
    () => "retry",
  );
  return id;
}

describe("carrier quality figures", () => {
  it("count submits, refusals, delivery reports, error codes and time to DLR per carrier and country", async () => {
    const local = (digits: number) =>
      digits > 0 ? String(randomInt(0, 10 ** digits)).padStart(digits, "0") : "";
    const rest = 14 - prefix.length;
    const delivered = `${prefix}${local(rest - 1)}7`;
    const undelivered = `${prefix}${local(rest - 4)}0000`;
    const rejected = `${prefix}${local(rest - 4)}0001`;
    await Promise.all([send(delivered), send(undelivered), send(rejected)]);

    await expect
      .poll(
        async () =>
          (await carrierQualityReport(carrierId)).last24h.delivered +
          (await carrierQualityReport(carrierId)).last24h.notDelivered,
        {
          timeout: 15_000,
          interval: 200,
        },
      )
      .toBe(2);
    const report = await carrierQualityReport(carrierId);
    expect(report.last24h).toMatchObject({
      submitted: 2,
      submitFailed: 1,
      submitSuccessRate: 2 / 3,
      delivered: 1,
      notDelivered: 1,
      deliveryRate: 0.5,
      // The simulator's API is plain http: no submission went over TLS.
      tlsShare: 0,
    });
    expect(Object.keys(report.last24h.errorCodes).sort()).toHaveLength(2);
    expect(Object.values(report.last24h.errorCodes)).toEqual([1, 1]);
    expect(report.last24h.timeToDlrSeconds.p50).not.toBeNull();
    expect(report.last24h.byCountry?.DE).toMatchObject({ submitted: 2, delivered: 1 });
    // The same hour is inside both windows.
    expect(report.last7d).toMatchObject({ submitted: 2, delivered: 1, notDelivered: 1 });
  });
});
