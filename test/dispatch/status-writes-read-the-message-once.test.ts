import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { qualityRecordingStore } from "../../functions/carriers/quality/recording-store.ts";
import { carrierQualityReport } from "../../functions/carriers/quality-report.ts";
import { handler as dispatchHandler } from "../../functions/dispatch/handler.ts";
import { applyDeliveryReport } from "../../functions/dlr/service.ts";
import { dynamoMessageRepository } from "../../functions/messages/store.ts";
import { createTestAccount, type TestAccount } from "../messages/support.ts";
import { type InstalledMeter, meterDynamo } from "../support/dynamo-meter.ts";
import { useLocalPlatformEnv } from "../support/env.ts";
import { lambdaContext, sqsEvent, startTestCarrier, storeMessage, type TestCarrier } from "./support.ts";

/**
 * A status write returns the item it wrote (ALL_NEW), so the layers around it (webhook events,
 * carrier quality) read nothing again: dispatching an SMS reads its message once (strongly
 * consistent, to decide), and a delivery report reads only who listens to it (eventually
 * consistent). Before, each step re-read the item: 4 reads at dispatch and 3 at the report.
 */
useLocalPlatformEnv();

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

describe("status writes read the message once", () => {
  it("per dispatch and per delivery report, with the same outcome and quality figures", async () => {
    const id = await storeMessage({
      accountId: account.accountId,
      to: carrier.number(),
      text: "read once",
      callbackUrl: "https://example.com/textgate-hook",
    });

    meter.reset();
    expect((await dispatchHandler(sqsEvent(id), lambdaContext)).batchItemFailures).toEqual([]);
    expect(meter.reads("Get messages")).toEqual({ consistent: 1, eventual: 0 });
    // claim, sent (with its webhook event's outbox mark), the mark cleared once the event is queued
    expect(meter.writes("Update messages")).toBe(3);

    const sent = await dynamoMessageRepository().get(id);
    expect(sent?.status).toBe("sent");
    expect(sent?.pendingEvents).toBeUndefined(); // published from the write's image, then cleared
    expect(carrier.submissions(id)).toBe(1);

    meter.reset();
    const outcome = await applyDeliveryReport(
      {
        carrierId: carrier.carrierId,
        report: {
          reference: id,
          carrierMessageId: sent?.carrierMessageId ?? "",
          status: "delivered",
          doneAt: new Date(Date.parse(sent?.sentAt ?? "") + 1500).toISOString(),
        },
      },
      { store: qualityRecordingStore() },
    );
    expect(outcome).toBe("applied");
    expect(meter.reads("Get messages")).toEqual({ consistent: 0, eventual: 1 });
    expect(meter.writes("Update messages")).toBe(2); // delivered (with its outbox mark), mark cleared

    const delivered = await dynamoMessageRepository().get(id);
    expect(delivered?.status).toBe("delivered");
    expect(delivered?.pendingEvents).toBeUndefined();
    // The counters came from the write's own image: its country, and sentAt for the time to DLR.
    const { last24h } = await carrierQualityReport(carrier.carrierId);
    expect(last24h).toMatchObject({
      submitted: 1,
      delivered: 1,
      timeToDlrSeconds: { p50: 2 },
      byCountry: { DE: { submitted: 1, delivered: 1 } },
      byPrefix: { [carrier.prefix]: { submitted: 1 } },
    });
  });
});
