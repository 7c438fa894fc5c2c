import { randomInt } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  batchedQualityStats,
  type CountersItemKey,
  QUALITY_TABLE,
} from "../../functions/carriers/quality/stats-store.ts";
import { carrierQualityReport } from "../../functions/carriers/quality-report.ts";
import { handler as dispatchHandler } from "../../functions/dispatch/handler.ts";
import { dynamoMessageRepository } from "../../functions/messages/store.ts";
import {
  lambdaContext,
  sqsEvent,
  startTestCarrier,
  storeMessage,
  type TestCarrier,
} from "../dispatch/support.ts";
import { createTestAccount, type TestAccount } from "../messages/support.ts";
import { type InstalledMeter, meterDynamo } from "../support/dynamo-meter.ts";
import { useLocalPlatformEnv } from "../support/env.ts";

/**
 * Carrier quality counts of a dispatch batch are written once per counters item (carrier, hour,
 * country, route prefix) when the batch is done, not once per message; they add up to the same
 * figures, and a redelivered batch counts nothing twice.
 */
useLocalPlatformEnv();

const at = new Date();
const key = (country: string) => ({ carrierId: "c1", country, prefix: "+49176", at });

describe("batchedQualityStats", () => {
  it("writes one sum per counters item at flush, and nothing before or again", async () => {
    const writes: { item: CountersItemKey; counts: Readonly<Record<string, number>> }[] = [];
    const stats = batchedQualityStats(async (item, counts) => void writes.push({ item, counts }));
    await stats.record(key("DE"), { kind: "submitted", tls: true });
    await stats.record(key("DE"), { kind: "submitted", tls: false });
    await stats.record(key("DE"), { kind: "submit-failed", errorCode: "throttled" });
    await stats.record(key("AT"), { kind: "delivered", secondsToReport: 3 });
    expect(writes).toEqual([]);

    await stats.flush();
    expect(writes.map(({ item, counts }) => [item.country, counts])).toEqual([
      ["DE", { submitted: 2, submittedTls: 1, submitFailed: 1, err_throttled: 1 }],
      ["AT", { delivered: 1, lat2: 1 }],
    ]);
    await stats.flush();
    expect(writes).toHaveLength(2);
  });

  it("a count recorded while a flush is writing goes into the next flush, once", async () => {
    const writes: Readonly<Record<string, number>>[] = [];
    let release = () => {};
    const blocked = new Promise<void>((resolve) => {
      release = resolve;
    });
    const stats = batchedQualityStats(async (_item, counts) => {
      writes.push(counts);
      await blocked;
    });
    await stats.record(key("DE"), { kind: "submitted", tls: false });
    const first = stats.flush();
    await stats.record(key("DE"), { kind: "submitted", tls: false });
    release();
    await first;
    await stats.flush();
    expect(writes).toEqual([{ submitted: 1 }, { submitted: 1 }]);
  });

  it("a failed write is dropped with a warning: the batch handler never fails because of it", async () => {
    const stats = batchedQualityStats(async () => {
      throw new Error("throttled");
    });
    await stats.record(key("DE"), { kind: "submitted", tls: false });
    await expect(stats.flush()).resolves.toBeUndefined();
  });
});

describe("the dispatch consumer", () => {
  let carrier: TestCarrier;
  let account: TestAccount;
  let meter: InstalledMeter;
  beforeAll(async () => {
    [carrier, account] = await Promise.all([startTestCarrier(), createTestAccount(["DE"])]);
    meter = meterDynamo();
  });
  afterAll(async () => {
    meter?.uninstall();
    await carrier?.retire();
  });

  it("writes a batch's submissions as one quality update, and a redelivered batch counts none again", async () => {
    const ids = await Promise.all(
      Array.from({ length: 4 }, (_, i) =>
        storeMessage({
          accountId: account.accountId,
          to: carrier.number(),
          text: `batch ${i} ${randomInt(1e6)}`,
        }),
      ),
    );
    const batch = (receiveCount: number) => ({
      Records: ids.flatMap((id) => sqsEvent(id, receiveCount).Records),
    });

    meter.reset();
    expect((await dispatchHandler(batch(1), lambdaContext)).batchItemFailures).toEqual([]);
    expect(meter.writes(`Update ${QUALITY_TABLE}`)).toBe(1);
    // Redelivered (e.g. the delete was lost): every message is sent already, nothing is counted.
    expect((await dispatchHandler(batch(2), lambdaContext)).batchItemFailures).toEqual([]);
    expect(meter.writes(`Update ${QUALITY_TABLE}`)).toBe(1);

    const repository = dynamoMessageRepository();
    for (const id of ids) {
      expect((await repository.get(id))?.status).toBe("sent");
      expect(carrier.submissions(id)).toBe(1);
    }
    const { last24h } = await carrierQualityReport(carrier.carrierId);
    expect(last24h).toMatchObject({ submitted: ids.length });
  });
});
