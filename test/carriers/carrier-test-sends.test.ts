import { randomInt } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { TEST_SEND_TAG } from "../../functions/carriers/quality/test-sends.ts";
import { handler as testSendsHandler } from "../../functions/carriers/quality/test-sends-handler.ts";
import { carrierQualityReport } from "../../functions/carriers/quality-report.ts";
import { registerCarrier } from "../../functions/carriers/store.ts";
import { dynamoMessageStateStore } from "../../functions/messages/state-store.ts";
import { catalog } from "../../lib/catalog/index.ts";
import { type CarrierSimHandle, startCarrierSim } from "../../local/carrier-sim/index.ts";
import { createTestAccount, storedMessagesOf, type TestAccount } from "../messages/support.ts";
import { useLocalPlatformEnv } from "../support/env.ts";

useLocalPlatformEnv();

/**
 * Proactive test sends: the scheduled function sends one message to each test number configured on
 * a carrier, through that carrier even where another route ranks higher, and the outcome and time to
 * DLR (signed DLRs through the platform's DLR route) land in the carrier's quality figures.
 */
const prefix = `+49176${String(randomInt(0, 10_000)).padStart(4, "0")}`;
const carrierId = `probe-${randomInt(0, 1e9)}`;
let sim: CarrierSimHandle;
let account: TestAccount;
const rest = 14 - prefix.length;
const delivered = `${prefix}${String(randomInt(0, 10 ** (rest - 1))).padStart(rest - 1, "0")}8`;
const undelivered = `${prefix}${"0".repeat(rest - 4)}0000`;

const register = (enabled: boolean) =>
  registerCarrier({
    carrierId,
    baseUrl: sim.url,
    // A broader prefix and a worse priority than other routes: only the pinned test send reaches it.
    prefixes: ["+49"],
    priority: 999,
    enabled,
    apiToken: sim.apiToken,
    dlrSecret: sim.dlrSecret,
    dlrUrl: `${inject("apiUrl")}/v1/carriers/${carrierId}/dlr`,
    qualityProbe: { accountId: account.accountId, testNumbers: [delivered, undelivered] },
  });

beforeAll(async () => {
  [sim, account] = await Promise.all([
    startCarrierSim({ register: false, dlrDelayMs: 20 }),
    createTestAccount(["DE"]),
  ]);
  await register(true);
});
afterAll(async () => {
  await register(false);
  await sim?.stop();
});

describe("scheduled carrier test sends", () => {
  it("send to each configured test number through the carrier and feed its quality figures", async () => {
    const results = (await testSendsHandler({})).filter((result) => result.carrierId === carrierId);
    expect(results.map((result) => result.outcome)).toEqual(["sent", "sent"]);
    expect(sim.outbox(delivered)).toHaveLength(1);
    expect(sim.outbox(undelivered)).toHaveLength(1);

    await expect
      .poll(
        async () => {
          const { last24h } = await carrierQualityReport(carrierId);
          return [last24h.submitted, last24h.delivered, last24h.notDelivered];
        },
        { timeout: 15_000, interval: 250 },
      )
      .toEqual([2, 1, 1]);
    const { last24h } = await carrierQualityReport(carrierId);
    expect(last24h.timeToDlrSeconds.p50).not.toBeNull();

    const store = dynamoMessageStateStore();
    const stored = await storedMessagesOf(account.accountId);
    expect(stored.map((item) => item.tag)).toEqual([
      `${TEST_SEND_TAG}:${carrierId}`,
      `${TEST_SEND_TAG}:${carrierId}`,
    ]);
    const statuses = await Promise.all(
      results.map(async (result) => (await store.get(result.messageId ?? ""))?.status),
    );
    expect(statuses.sort()).toEqual(["delivered", "undelivered"]);
  });

  it("runs on a catalogue schedule with the grants of storing and dispatching", () => {
    expect(catalog.schedules).toContainEqual(expect.objectContaining({ function: "carrier-test-sends" }));
    const grants = catalog.functions.find((fn) => fn.id === "carrier-test-sends")?.grants;
    expect(grants?.tables).toMatchObject({ messages: "readWrite", "carrier-quality": "readUpdate" });
    expect(grants?.keys?.data).toEqual(["encrypt", "decrypt"]);
  });
});
