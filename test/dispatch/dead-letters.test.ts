import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { handler as deadLetterHandler } from "../../functions/dispatch/dead-letter-handler.ts";
import { handler as dispatchHandler } from "../../functions/dispatch/handler.ts";
import { dynamoMessageStateStore } from "../../functions/messages/state-store.ts";
import { createTestAccount, type TestAccount } from "../messages/support.ts";
import { useLocalPlatformEnv } from "../support/env.ts";
import { lambdaContext, sqsEvent, startTestCarrier, storeMessage, type TestCarrier } from "./support.ts";

useLocalPlatformEnv();

/**
 * The dead-letter consumer against the emulators and a carrier simulator: records arrive as they
 * would from an SMS DLQ (the body is the dispatch record), after the dispatcher gave up.
 */
let carrier: TestCarrier;
let account: TestAccount;
const store = dynamoMessageStateStore();

beforeAll(async () => {
  [carrier, account] = await Promise.all([startTestCarrier(), createTestAccount(["DE"])]);
});
afterAll(async () => {
  await carrier?.retire();
});

const submissions = (id: string) => carrier.submissions(id);
const deadLetter = (id: string) => deadLetterHandler(sqsEvent(id, 1), lambdaContext);
const expiredLease = (id: string) => ({
  id: `dead-${id}`,
  carrierId: carrier.carrierId,
  leaseUntil: Date.now() - 1,
  attempt: 1,
});

describe("dead-letter consumer", () => {
  it("fails a message that never left 'queued', with dispatch-failed, and submits nothing", async () => {
    const id = await storeMessage({ accountId: account.accountId, to: carrier.number(), text: "stuck" });
    const result = await deadLetter(id);
    expect(result.batchItemFailures).toEqual([]);
    expect(await store.get(id)).toMatchObject({
      status: "failed",
      error: {
        code: "dispatch-failed",
        reason: "could not be handed to a carrier after repeated attempts",
      },
    });
    expect(submissions(id)).toBe(0);
  });

  it("marks a 'submitting' message sent when the carrier has it, without a second submission", async () => {
    const id = await storeMessage({ accountId: account.accountId, to: carrier.number(), text: "accepted" });
    const lease = expiredLease(id);
    expect(await store.claim(id, lease)).toBe(true);
    // The dead attempt did reach the carrier before crashing.
    const carrierMessageId = await carrier.acceptDirectly(id, "accepted");
    const result = await deadLetter(id);
    expect(result.batchItemFailures).toEqual([]);
    expect(await store.get(id)).toMatchObject({ status: "sent", carrierMessageId });
    expect(submissions(id)).toBe(1);
  });

  it("fails a 'submitting' message the carrier never got, without submitting it", async () => {
    const id = await storeMessage({ accountId: account.accountId, to: carrier.number(), text: "lost" });
    expect(await store.claim(id, expiredLease(id))).toBe(true);
    const result = await deadLetter(id);
    expect(result.batchItemFailures).toEqual([]);
    expect(await store.get(id)).toMatchObject({ status: "failed", error: { code: "dispatch-failed" } });
    expect(submissions(id)).toBe(0);
  });

  it("leaves an already delivered message untouched", async () => {
    const id = await storeMessage({ accountId: account.accountId, to: carrier.number(), text: "fine" });
    expect((await dispatchHandler(sqsEvent(id, 1), lambdaContext)).batchItemFailures).toEqual([]);
    const sent = await store.get(id);
    expect(sent?.status).toBe("sent");
    const delivered = await store.applyReport(id, {
      status: "delivered",
      carrierId: carrier.carrierId,
      carrierMessageId: sent?.carrierMessageId ?? "",
      at: new Date().toISOString(),
    });
    expect(delivered).toBe(true);
    const before = await store.get(id);
    const result = await deadLetter(id);
    expect(result.batchItemFailures).toEqual([]);
    expect(await store.get(id)).toEqual(before);
    expect(submissions(id)).toBe(1);
  });

  it("keeps the record (batch item failure) while another attempt holds a live lease", async () => {
    const id = await storeMessage({ accountId: account.accountId, to: carrier.number(), text: "in flight" });
    const lease = { ...expiredLease(id), leaseUntil: Date.now() + 60_000 };
    expect(await store.claim(id, lease)).toBe(true);
    const result = await deadLetter(id);
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: `sqs-${id}` }]);
    expect(await store.get(id)).toMatchObject({ status: "submitting", submission: { id: lease.id } });
    expect(submissions(id)).toBe(0);
  });

  it("fails a 'submitting' message whose carrier is gone as outcome-unknown, like the dispatcher", async () => {
    const id = await storeMessage({ accountId: account.accountId, to: carrier.number(), text: "orphan" });
    expect(await store.claim(id, { ...expiredLease(id), carrierId: "carrier-that-never-was" })).toBe(true);
    const result = await deadLetter(id);
    expect(result.batchItemFailures).toEqual([]);
    expect(await store.get(id)).toMatchObject({
      status: "failed",
      error: { code: "submission-outcome-unknown" },
    });
    expect(submissions(id)).toBe(0);
  });
});
