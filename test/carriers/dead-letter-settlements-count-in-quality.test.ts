import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { carrierQualityReport } from "../../functions/carriers/quality-report.ts";
import { dynamoMessageStateStore } from "../../functions/messages/state-store.ts";
import { functionSpec } from "../../lib/catalog/index.ts";
import { importHandler, invokeFunction } from "../../local/lambda-runtime.ts";
import { sqsEvent, startTestCarrier, storeMessage, type TestCarrier } from "../dispatch/support.ts";
import { createTestAccount, type TestAccount } from "../messages/support.ts";
import { useLocalPlatformEnv } from "../support/env.ts";

/**
 * A message the dispatcher gave up on and the dead-letter consumer settles is part of its carrier's
 * quality figures: failed (the carrier never got it) counts as a submit failure, reconciled (the
 * carrier had it) as a submission. The consumer runs as the catalogue's dead-letters function under
 * its real grants (local IAM), and a redelivered dead letter is not counted a second time.
 */
const env = useLocalPlatformEnv();
const stage = env.TEXTGATE_STAGE ?? "local";
let carrier: TestCarrier;
let account: TestAccount;
const store = dynamoMessageStateStore();

beforeAll(async () => {
  [carrier, account] = await Promise.all([startTestCarrier(), createTestAccount(["DE"])]);
});
afterAll(async () => {
  await carrier?.retire();
});

/** Delivers the record as the DLQ's event source mapping would, to the real function. */
const deadLetter = (id: string, receiveCount: number) =>
  invokeFunction(functionSpec("dead-letters"), sqsEvent(id, receiveCount), {
    stage,
    loader: importHandler,
  }) as Promise<{ batchItemFailures: unknown[] }>;

async function submittingWithDeadAttempt(text: string): Promise<string> {
  const id = await storeMessage({ accountId: account.accountId, to: carrier.number(), text });
  const lease = { id: `dead-${id}`, carrierId: carrier.carrierId, leaseUntil: Date.now() - 1, attempt: 1 };
  expect(await store.claim(id, lease)).toBe(true);
  return id;
}

describe("dead-letter settlements in the carrier quality figures", () => {
  it("count a failed and a reconciled dead letter once each, also when redelivered", async () => {
    const lost = await submittingWithDeadAttempt("never reached the carrier");
    const reached = await submittingWithDeadAttempt("reached the carrier");
    await carrier.acceptDirectly(reached, "reached the carrier");

    for (const receiveCount of [1, 2]) {
      expect((await deadLetter(lost, receiveCount)).batchItemFailures).toEqual([]);
      expect((await deadLetter(reached, receiveCount)).batchItemFailures).toEqual([]);
    }
    expect((await store.get(lost))?.status).toBe("failed");
    expect((await store.get(reached))?.status).toBe("sent");

    const { last24h } = await carrierQualityReport(carrier.carrierId);
    expect(last24h).toMatchObject({ submitted: 1, submitFailed: 1, errorCodes: { "dispatch-failed": 1 } });
  });
});
