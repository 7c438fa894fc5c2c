import { randomUUID } from "node:crypto";
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adapterFor, withBreaker } from "../../functions/carriers/adapters.ts";
import { CarrierBreakers, DEFAULT_BREAKER_OPTIONS } from "../../functions/carriers/breaker.ts";
import { listCarrierRoutes } from "../../functions/carriers/store.ts";
import { type DispatchDeps, dispatchMessage, RetryLaterError } from "../../functions/dispatch/service.ts";
import { dynamoMessageStateStore } from "../../functions/messages/state-store.ts";
import { queuedMessageRecord } from "../../functions/messages/views.ts";
import { sqsClient } from "../../functions/shared/aws.ts";
import { systemClock } from "../../functions/shared/clock.ts";
import { fieldCipher } from "../../functions/shared/crypto.ts";
import { createTestAccount, type TestAccount } from "../messages/support.ts";
import { useLocalPlatformEnv } from "../support/env.ts";
import { startTestCarrier, storeMessage, type TestCarrier } from "./support.ts";

/**
 * A carrier outage longer than the queue's redelivery budget (maxReceiveCount x visibility) must not
 * dead-letter or fail a queued message: while the carrier's breaker is open, the dispatcher puts a
 * delayed copy of the record back instead of spending receives, and the message is delivered exactly
 * once when the carrier is back. Real SQS (the emulator, with a redrive policy like the catalogue's,
 * scaled down), real message store, real HTTP carrier simulator; the test is the event-source mapping.
 */
useLocalPlatformEnv();

const MAX_RECEIVE_COUNT = 3;
const VISIBILITY_SECONDS = 1;

let account: TestAccount;
let carrier: TestCarrier;
let queueUrl: string;
let deadLetterUrl: string;

beforeAll(async () => {
  account = await createTestAccount(["DE"]);
  carrier = await startTestCarrier();
  const name = `breaker-backoff-${randomUUID().slice(0, 8)}`;
  const dlq = await sqsClient().send(new CreateQueueCommand({ QueueName: `${name}-dlq` }));
  deadLetterUrl = dlq.QueueUrl ?? "";
  const dlqArn = (
    await sqsClient().send(
      new GetQueueAttributesCommand({ QueueUrl: deadLetterUrl, AttributeNames: ["QueueArn"] }),
    )
  ).Attributes?.QueueArn;
  const queue = await sqsClient().send(
    new CreateQueueCommand({
      QueueName: name,
      Attributes: {
        VisibilityTimeout: String(VISIBILITY_SECONDS),
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: MAX_RECEIVE_COUNT }),
      },
    }),
  );
  queueUrl = queue.QueueUrl ?? "";
});

afterAll(async () => {
  await carrier?.retire();
});

/** Dispatch deps like the handler's, with a fast breaker (opens on one failure, open for 1.5 s). */
function outageDeps(): DispatchDeps {
  const breakers = new CarrierBreakers({ ...DEFAULT_BREAKER_OPTIONS, consecutiveFailures: 1, openMs: 1500 });
  return {
    store: dynamoMessageStateStore(),
    // The test carrier is the destination's only carrier (the platform's simulator would take over).
    routes: async () => (await listCarrierRoutes()).filter((route) => route.carrierId === carrier.carrierId),
    adapterFor: async (route) => withBreaker(await adapterFor(route), breakers.of(route.carrierId)),
    carrierAvailable: (carrierId) => breakers.allows(carrierId),
    carrierReopensInMs: (carrierId) => breakers.reopensInMs(carrierId),
    cipher: fieldCipher(),
    clock: systemClock,
    // Shorter than the visibility, as the catalogue's lease is shorter than its visibility.
    leaseMs: 500,
    defaultSender: "Textgate",
    random: () => 0,
    deferRecord: async (record, delaySeconds) => {
      await sqsClient().send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: JSON.stringify(record),
          DelaySeconds: delaySeconds,
        }),
      );
    },
  };
}

const enqueue = (messageId: string) =>
  sqsClient().send(
    new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify({ v: 1, messageId }) }),
  );

async function deadLettered(): Promise<number> {
  const found = await sqsClient().send(
    new ReceiveMessageCommand({ QueueUrl: deadLetterUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
  );
  return found.Messages?.length ?? 0;
}

const settledOutcomes = new Set(["sent", "done-already", "reconciled", "failed", "expired"]);

interface Run {
  receives: number;
  outcomes: string[];
  deadLettered: number;
}

/**
 * The event-source mapping: receive, dispatch, delete on success, leave a RetryLaterError for the
 * visibility timeout (SQS redelivers it, and its redrive dead-letters it after MAX_RECEIVE_COUNT).
 * `onReceive` sees the running count; it ends when `done` says so or a record is dead-lettered.
 */
async function consume(
  deps: DispatchDeps,
  done: (run: Run) => Promise<boolean>,
  onReceive: (run: Run) => void = () => {},
): Promise<Run> {
  const run: Run = { receives: 0, outcomes: [], deadLettered: 0 };
  for (;;) {
    if (await done(run)) return run;
    run.deadLettered += await deadLettered();
    if (run.deadLettered > 0) return run;
    const received = await sqsClient().send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        MessageSystemAttributeNames: ["ApproximateReceiveCount"],
      }),
    );
    for (const message of received.Messages ?? []) {
      run.receives += 1;
      onReceive(run);
      const body = queuedMessageRecord.parse(JSON.parse(message.Body ?? ""));
      const receiveCount = Number(message.Attributes?.ApproximateReceiveCount ?? "1");
      try {
        const outcome = await dispatchMessage(
          {
            messageId: body.messageId,
            receiveCount,
            maxReceiveCount: MAX_RECEIVE_COUNT,
            deferrals: body.deferrals,
          },
          deps,
        );
        run.outcomes.push(outcome);
        await sqsClient().send(
          new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }),
        );
      } catch (error) {
        if (!(error instanceof RetryLaterError)) throw error;
        run.outcomes.push("retry");
      }
    }
  }
}

describe("a carrier outage longer than the redelivery budget", () => {
  it("keeps the message waiting, not dead-lettered, and delivers it exactly once when the carrier is back", async () => {
    const deps = outageDeps();
    const id = await storeMessage({ accountId: account.accountId, to: carrier.number(), text: "outage" });
    carrier.sim.faults.failureRate = 1;
    await enqueue(id);
    // The carrier comes back only after more receives than the redrive allows one SQS message.
    const settled = async () => !["queued", "submitting"].includes((await deps.store.get(id))?.status ?? "");
    const run = await consume(deps, settled, ({ receives }) => {
      if (receives > MAX_RECEIVE_COUNT * 2) carrier.sim.faults.failureRate = 0;
    });
    expect((await deps.store.get(id))?.status).toBe("sent");
    expect(run.deadLettered).toBe(0);
    expect(carrier.submissions(id)).toBe(1);
    expect(run.receives).toBeGreaterThan(MAX_RECEIVE_COUNT * 2);
    expect(run.outcomes).toContain("deferred");
  });

  it("two records of one message (a waiting copy and an original whose delete was lost) submit it once", async () => {
    const deps = outageDeps();
    const id = await storeMessage({ accountId: account.accountId, to: carrier.number(), text: "twice" });
    carrier.sim.faults.failureRate = 1;
    const input = { messageId: id, receiveCount: 1, maxReceiveCount: MAX_RECEIVE_COUNT };
    await expect(dispatchMessage(input, deps)).rejects.toBeInstanceOf(RetryLaterError);
    // Breaker open now: the redelivery (after the 500 ms lease) puts a copy back; its delete is
    // "lost", so it is delivered again and puts a second copy back.
    const redelivered = { ...deps, clock: { now: () => new Date(Date.now() + 600) } };
    expect(await dispatchMessage({ ...input, receiveCount: 2 }, redelivered)).toBe("deferred");
    expect(await dispatchMessage({ ...input, receiveCount: 2 }, redelivered)).toBe("deferred");
    carrier.sim.faults.failureRate = 0;
    const bothSettled = async (run: Run) =>
      run.outcomes.filter((outcome) => settledOutcomes.has(outcome)).length >= 2;
    const run = await consume(deps, bothSettled);
    expect(run.deadLettered).toBe(0);
    expect(run.outcomes.filter((outcome) => settledOutcomes.has(outcome)).sort()).toEqual([
      "done-already",
      "sent",
    ]);
    expect((await deps.store.get(id))?.status).toBe("sent");
    expect(carrier.submissions(id)).toBe(1);
  });
});
