import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listCarrierRoutes } from "../../functions/carriers/store.ts";
import { dispatchDeps, handler } from "../../functions/dispatch/handler.ts";
import { dispatchMessage } from "../../functions/dispatch/service.ts";
import { dynamoMessageStateStore } from "../../functions/messages/state-store.ts";
import { createTestAccount, type TestAccount } from "../messages/support.ts";
import { useLocalPlatformEnv } from "../support/env.ts";
import { lambdaContext, sqsEvent, startTestCarrier, storeMessage, type TestCarrier } from "./support.ts";

useLocalPlatformEnv();

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
const statusOf = async (id: string) => (await store.get(id))?.status;
const later = (ms: number) => ({ now: () => new Date(Date.now() + ms) });

describe("dispatch submits each message to the carrier exactly once", () => {
  it("a redelivered SQS record does not submit again", async () => {
    const id = await storeMessage({ accountId: account.accountId, to: carrier.number(), text: "once" });
    const first = await handler(sqsEvent(id, 1), lambdaContext);
    const second = await handler(sqsEvent(id, 2), lambdaContext);
    expect(first.batchItemFailures).toEqual([]);
    expect(second.batchItemFailures).toEqual([]);
    expect(submissions(id)).toBe(1);
    expect(await statusOf(id)).toBe("sent");
    expect(carrier.sim.outbox()[0]).toMatchObject({ reference: id, text: "once" });
  });

  it("the same record delivered to three concurrent invocations submits once", async () => {
    const id = await storeMessage({ accountId: account.accountId, to: carrier.number(), text: "race" });
    const results = await Promise.all([1, 1, 2].map((count) => handler(sqsEvent(id, count), lambdaContext)));
    expect(submissions(id)).toBe(1);
    // Losers either saw "sent" (ack) or a live lease (retry later, which will then ack).
    for (const result of results) expect(result.batchItemFailures.length).toBeLessThanOrEqual(1);
    expect(await statusOf(id)).toBe("sent");
    const retry = await handler(sqsEvent(id, 3), lambdaContext);
    expect(retry.batchItemFailures).toEqual([]);
    expect(submissions(id)).toBe(1);
  });

  it("crash after the carrier accepted but before 'sent' was written: reconciles, no second submission", async () => {
    const id = await storeMessage({ accountId: account.accountId, to: carrier.number(), text: "crash" });
    // What a crashed attempt leaves behind: a claim whose lease has run out…
    const lease = {
      id: "crashed-attempt",
      carrierId: carrier.carrierId,
      leaseUntil: Date.now() - 1,
      attempt: 1,
    };
    expect(await store.claim(id, lease)).toBe(true);
    // …and a carrier that did get the message.
    const carrierMessageId = await carrier.acceptDirectly(id, "crash");
    const redelivered = await handler(sqsEvent(id, 2), lambdaContext);
    expect(redelivered.batchItemFailures).toEqual([]);
    expect(submissions(id)).toBe(1);
    const after = await store.get(id);
    expect(after).toMatchObject({ status: "sent", carrierMessageId });
  });

  it("crash after the claim but before the carrier call: submits once on redelivery", async () => {
    const id = await storeMessage({
      accountId: account.accountId,
      to: carrier.number(),
      text: "early crash",
    });
    const lease = {
      id: "crashed-early",
      carrierId: carrier.carrierId,
      leaseUntil: Date.now() - 1,
      attempt: 1,
    };
    expect(await store.claim(id, lease)).toBe(true);
    const redelivered = await handler(sqsEvent(id, 2), lambdaContext);
    expect(redelivered.batchItemFailures).toEqual([]);
    expect(submissions(id)).toBe(1);
    expect(await store.get(id)).toMatchObject({ status: "sent", submission: { attempt: 2 } });
  });

  it("a live lease held by another attempt makes the record retry later, not submit", async () => {
    const id = await storeMessage({ accountId: account.accountId, to: carrier.number(), text: "in flight" });
    const lease = { id: "live", carrierId: carrier.carrierId, leaseUntil: Date.now() + 60_000, attempt: 1 };
    expect(await store.claim(id, lease)).toBe(true);
    const result = await handler(sqsEvent(id, 2), lambdaContext);
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: `sqs-${id}` }]);
    expect(submissions(id)).toBe(0);
  });

  it("a transient carrier failure is retried (batch item failure) and then sent once", async () => {
    const id = await storeMessage({ accountId: account.accountId, to: carrier.number(), text: "flaky" });
    carrier.sim.faults.failNextSubmissions = 1;
    const first = await handler(sqsEvent(id, 1), lambdaContext);
    expect(first.batchItemFailures).toEqual([{ itemIdentifier: `sqs-${id}` }]);
    expect(await statusOf(id)).toBe("submitting");
    // SQS brings it back after the visibility timeout (60 s), when the 30 s lease has run out.
    const outcome = await dispatchMessage(
      { messageId: id, receiveCount: 2, maxReceiveCount: 5 },
      { ...dispatchDeps(), clock: later(61_000) },
    );
    expect(outcome).toBe("sent");
    expect(submissions(id)).toBe(1);
  });

  it("a transient failure on the last receive settles the message as failed instead of the DLQ", async () => {
    const id = await storeMessage({ accountId: account.accountId, to: carrier.number(), text: "gone" });
    carrier.sim.faults.failNextSubmissions = 1;
    const result = await handler(sqsEvent(id, 5), lambdaContext);
    expect(result.batchItemFailures).toEqual([]);
    expect(await store.get(id)).toMatchObject({ status: "failed", error: { code: "carrier-unavailable" } });
    expect(submissions(id)).toBe(0);
  });

  it("a permanent reject marks the message failed with the carrier's reason and acks", async () => {
    const id = await storeMessage({ accountId: account.accountId, to: carrier.number("0001"), text: "no" });
    const result = await handler(sqsEvent(id, 1), lambdaContext);
    expect(result.batchItemFailures).toEqual([]);
    expect(await store.get(id)).toMatchObject({
      status: "failed",
      error: { code: "invalid-destination", reason: "destination rejected by the carrier" },
    });
  });

  it("a carrier timeout is transient: retried, never marked failed early", async () => {
    const id = await storeMessage({ accountId: account.accountId, to: carrier.number("0002"), text: "slow" });
    const deps = dispatchDeps();
    const outcome = dispatchMessage({ messageId: id, receiveCount: 1, maxReceiveCount: 5 }, deps);
    await expect(outcome).rejects.toThrow(/timed out/);
    expect(await statusOf(id)).toBe("submitting");
  });

  it("a message past its validity is expired, not sent", async () => {
    const id = await storeMessage(
      { accountId: account.accountId, to: carrier.number(), text: "stale", validitySeconds: 60 },
      later(-120_000),
    );
    const result = await handler(sqsEvent(id, 1), lambdaContext);
    expect(result.batchItemFailures).toEqual([]);
    expect(await store.get(id)).toMatchObject({ status: "expired", error: { code: "validity-expired" } });
    expect(submissions(id)).toBe(0);
  });

  it("the test carrier is routed by its prefix", async () => {
    const routes = await listCarrierRoutes();
    expect(routes.find((r) => r.carrierId === carrier.carrierId)?.prefixes).toEqual([carrier.prefix]);
  });
});
