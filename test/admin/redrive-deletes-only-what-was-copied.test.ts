/**
 * Redrive and discard logic on an in-memory queue (pure; the SQS path is covered end to end in
 * operator-redrives-and-discards-dead-letters.test.ts): a dead letter is deleted only once its copy
 * was accepted by the work queue, a call never handles more than its limit, and bodies other than
 * our prefixed ids never come out of a peek.
 */
import { describe, expect, it } from "vitest";
import {
  type DeadLetterDeps,
  type DeadLetterQueues,
  discardDeadLetters,
  idsIn,
  peekDeadLetters,
  type ReceivedDeadLetter,
  redriveDeadLetters,
} from "../../functions/admin/dead-letters.ts";
import type { AuditEventInput } from "../../functions/audit/port.ts";

const call = { arn: "arn:aws:iam::000000000000:user/ops", sourceIp: "192.0.2.1", requestId: "req-1" };
const MESSAGE_ID = "msg_01J0000000000000000000000A";

/** A DLQ of `count` records; receive hands out up to 10 not yet received, like a visibility timeout. */
function memoryQueues(count: number, options: { sendRefuses?: (id: string) => boolean } = {}) {
  const waiting = new Map<string, ReceivedDeadLetter>();
  for (let index = 0; index < count; index++) {
    const id = `sqs-${index}`;
    waiting.set(id, {
      sqsMessageId: id,
      receiptHandle: `rh-${id}`,
      body: `{"messageId":"${MESSAGE_ID}"}`,
      receiveCount: 6,
    });
  }
  const hidden = new Set<string>();
  const sent: string[] = [];
  const port: DeadLetterQueues = {
    queues: () => [{ queueId: "sms-otp", parked: true }],
    depth: async () => ({ waiting: waiting.size - hidden.size, inFlight: hidden.size }),
    receive: async () => {
      const batch = [...waiting.values()].filter((record) => !hidden.has(record.sqsMessageId)).slice(0, 10);
      for (const record of batch) hidden.add(record.sqsMessageId);
      return batch;
    },
    release: async (_q, _s, handles) => {
      for (const handle of handles) hidden.delete(handle.replace(/^rh-/, ""));
    },
    sendToWorkQueue: async (_q, records) => {
      const accepted = records.filter((record) => !options.sendRefuses?.(record.sqsMessageId));
      sent.push(...accepted.map((record) => record.sqsMessageId));
      return new Set(accepted.map((record) => record.sqsMessageId));
    },
    remove: async (_q, _s, records) => {
      for (const record of records) {
        waiting.delete(record.sqsMessageId);
        hidden.delete(record.sqsMessageId);
      }
      return new Set(records.map((record) => record.sqsMessageId));
    },
  };
  const audited: AuditEventInput[] = [];
  const deps: DeadLetterDeps = {
    deadLetters: port,
    audit: {
      record: async (event) => {
        audited.push(event);
        return { ...event, id: "evt", at: new Date().toISOString(), class: "persistent" };
      },
    },
    clock: { now: () => new Date() },
  };
  return { deps, waiting, sent, audited, hidden };
}

describe("moving dead letters", () => {
  it("deletes a record only when its copy reached the work queue, and reports the rest as failed", async () => {
    const queue = memoryQueues(12, { sendRefuses: (id) => id === "sqs-3" });
    const result = await redriveDeadLetters("sms-otp", { source: "dlq", limit: 100 }, call, queue.deps);
    expect(result).toMatchObject({ count: 11, failed: 1 });
    expect([...queue.waiting.keys()]).toEqual(["sqs-3"]);
    expect(queue.sent).not.toContain("sqs-3");
    expect(queue.audited).toEqual([
      expect.objectContaining({
        accountId: "operator",
        action: "deadletters.redriven",
        outcome: "failure",
        details: expect.objectContaining({ count: 11, failed: 1, source: "dlq" }),
      }),
    ]);
  });

  it("never handles more than the call's limit; the rest stays and is released", async () => {
    const queue = memoryQueues(25);
    const result = await discardDeadLetters(
      "sms-otp",
      { source: "parked", limit: 13, reason: "duplicates of a test" },
      call,
      queue.deps,
    );
    expect(result).toMatchObject({ count: 13, failed: 0, remaining: 12 });
    expect(queue.waiting.size).toBe(12);
    // The 7 records of the second batch beyond the limit were made visible again at once.
    expect(queue.hidden.size).toBe(0);
    expect(queue.audited[0]?.details).toMatchObject({ reason: "duplicates of a test", count: 13 });
  });

  it("peeks ids only and releases what it looked at", async () => {
    const queue = memoryQueues(3);
    const records = await peekDeadLetters("sms-otp", { source: "dlq", limit: 2 }, queue.deps);
    expect(records).toHaveLength(2);
    expect(records[0]).toEqual({ sqsMessageId: "sqs-0", receiveCount: 6, ids: { messageId: MESSAGE_ID } });
    expect(queue.hidden.size).toBe(0);
  });

  it("keeps only our prefixed ids from a body: numbers, text and foreign ids stay inside", () => {
    expect(
      idsIn(
        JSON.stringify({
          messageId: MESSAGE_ID,
          destinationPhoneNumber: "+37256000001",
          text: "code 123456",
          awsMessageId: "0a1b2c3d-aaaa-bbbb-cccc-000000000000",
        }),
      ),
    ).toEqual({ messageId: MESSAGE_ID });
    expect(idsIn("not json")).toEqual({});
  });
});
