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
 * The quality figures are also kept per carrier and destination prefix: the prefix of the carrier's
 * route that matched the number (recorded on the message at dispatch), so two ranges served by one
 * carrier in one country are told apart. The dispatcher runs in this worker; the DLRs come through
 * the platform's DLR route.
 */
const broad = `+49176${String(randomInt(0, 10_000)).padStart(4, "0")}`;
const narrow = `${broad}9`;
const carrierId = `prefixes-${randomInt(0, 1e9)}`;
let sim: CarrierSimHandle;
let account: TestAccount;

beforeAll(async () => {
  [sim, account] = await Promise.all([
    startCarrierSim({
      register: { carrierId, prefixes: [broad, narrow] },
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
    prefixes: [broad, narrow],
    enabled: false,
    apiToken: sim.apiToken,
    dlrSecret: sim.dlrSecret,
  });
  await sim?.stop();
});

/** A 14-character number under `start` ending in `suffix`; under the broad prefix it avoids the narrow one. */
function numberUnder(start: string, suffix: string): string {
  const rest = 14 - start.length - suffix.length;
  const tail = `${rest > 0 ? String(randomInt(0, 10 ** rest)).padStart(rest, "0") : ""}${suffix}`;
  return `${start}${start === broad && tail.startsWith("9") ? `1${tail.slice(1)}` : tail}`;
}

async function send(to: string): Promise<void> {
  const id = await storeMessage({ accountId: account.accountId, to, text: "prefix figures" });
  await dispatchMessage({ messageId: id, receiveCount: 1, maxReceiveCount: 5 }, dispatchDeps());
}

describe("carrier quality figures per route prefix", () => {
  it("count each message under the longest prefix of the route that matched it", async () => {
    await Promise.all([
      send(numberUnder(broad, "7")),
      send(numberUnder(broad, "0000")),
      send(numberUnder(narrow, "7")),
    ]);
    await expect
      .poll(
        async () => {
          const { last24h } = await carrierQualityReport(carrierId);
          return last24h.delivered + last24h.notDelivered;
        },
        { timeout: 15_000, interval: 200 },
      )
      .toBe(3);
    const { last24h, last7d } = await carrierQualityReport(carrierId);
    expect(Object.keys(last24h.byPrefix ?? {}).sort()).toEqual([broad, narrow].sort());
    expect(last24h.byPrefix?.[broad]).toMatchObject({
      submitted: 2,
      delivered: 1,
      notDelivered: 1,
      deliveryRate: 0.5,
    });
    expect(last24h.byPrefix?.[narrow]).toMatchObject({ submitted: 1, delivered: 1, deliveryRate: 1 });
    expect(last24h.byCountry?.DE).toMatchObject({ submitted: 3, delivered: 2 });
    expect(last7d.byPrefix?.[narrow]).toMatchObject({ submitted: 1, delivered: 1 });
  });
});
