/**
 * Dispatch tests run the dispatcher in this worker against the shared emulators, with their own
 * carrier simulator registered for a random number prefix (longest prefix wins, so only this file's
 * numbers reach it). Messages are stored through acceptMessage with a recording queue, so the
 * platform's pollers never see them: each test decides when and how often a record is delivered.
 */
import { randomInt } from "node:crypto";
import type { Context, SQSEvent } from "aws-lambda";
import { httpCarrierAdapter } from "../../functions/carriers/http-adapter.ts";
import { carrierSecrets, registerCarrier } from "../../functions/carriers/store.ts";
import type { MessageQueue } from "../../functions/messages/model.ts";
import {
  type AcceptMessageInput,
  acceptMessage,
  defaultMessagingDeps,
} from "../../functions/messages/service.ts";
import type { Clock } from "../../functions/shared/clock.ts";
import { type CarrierSimHandle, startCarrierSim } from "../../local/carrier-sim/index.ts";

export interface TestCarrier {
  readonly sim: CarrierSimHandle;
  readonly carrierId: string;
  readonly prefix: string;
  /** A number under this carrier's prefix; `suffix` picks a simulator hook (0000, 0001…). */
  number(suffix?: string): string;
  /** Carrier submissions seen for a message id (more than 1 would be a duplicate). */
  submissions(reference: string): number;
  /** What a crashed dispatch attempt may leave behind: the carrier got the message. */
  acceptDirectly(reference: string, text: string): Promise<string>;
  retire(): Promise<void>;
}

export async function startTestCarrier(): Promise<TestCarrier> {
  // German mobile range no other test file uses; 4 random digits keep parallel files apart.
  const prefix = `+49176${String(randomInt(0, 10_000)).padStart(4, "0")}`;
  const carrierId = `sim-test-${randomInt(0, 1e9)}`;
  const sim = await startCarrierSim({ register: { carrierId, prefixes: [prefix] }, dlrDelayMs: 60_000 });
  return {
    sim,
    carrierId,
    prefix,
    number: (suffix) => {
      const rest = 14 - prefix.length;
      if (suffix)
        return `${prefix}${String(randomInt(0, 10 ** rest))
          .padStart(rest, "0")
          .slice(0, rest - suffix.length)}${suffix}`;
      return `${prefix}${String(randomInt(0, 10 ** (rest - 1))).padStart(rest - 1, "0")}${randomInt(5, 10)}`;
    },
    submissions: (reference) => sim.submissionsByReference().get(reference) ?? 0,
    acceptDirectly: async (reference, text) => {
      const secrets = await carrierSecrets(carrierId);
      const adapter = httpCarrierAdapter({ baseUrl: sim.url, apiToken: secrets?.apiToken ?? "" });
      const submitted = await adapter.submit({
        reference,
        from: "Test",
        to: `${prefix}${"5".repeat(14 - prefix.length)}`,
        text,
        encoding: "GSM-7",
      });
      return submitted.carrierMessageId;
    },
    retire: async () => {
      // Leave no live route to a stopped simulator behind for other test files.
      await registerCarrier({
        carrierId,
        baseUrl: sim.url,
        prefixes: [prefix],
        enabled: false,
        apiToken: sim.apiToken,
        dlrSecret: sim.dlrSecret,
      });
      await sim.stop();
    },
  };
}

export const recordingQueue = (): MessageQueue & { sent: string[] } => {
  const sent: string[] = [];
  return { sent, enqueue: async (_queue, id) => void sent.push(id) };
};

export async function storeMessage(
  input: Omit<AcceptMessageInput, "accountId" | "priority"> & {
    accountId: string;
    priority?: AcceptMessageInput["priority"];
  },
  clock?: Clock,
): Promise<string> {
  const deps = { ...defaultMessagingDeps(), queue: recordingQueue(), ...(clock ? { clock } : {}) };
  const { id } = await acceptMessage({ priority: "normal", ...input }, deps);
  return id;
}

export function sqsEvent(messageId: string, receiveCount = 1): SQSEvent {
  return {
    Records: [
      {
        messageId: `sqs-${messageId}`,
        receiptHandle: `rh-${messageId}-${receiveCount}`,
        body: JSON.stringify({ v: 1, messageId }),
        attributes: {
          ApproximateReceiveCount: String(receiveCount),
          SentTimestamp: String(Date.now()),
          SenderId: "test",
          ApproximateFirstReceiveTimestamp: String(Date.now()),
        },
        messageAttributes: {},
        md5OfBody: "",
        eventSource: "aws:sqs",
        eventSourceARN: "arn:aws:sqs:eu-central-1:000000000000:textgate-local-sms-transactional",
        awsRegion: "eu-central-1",
      },
    ],
  };
}

export const lambdaContext = {
  functionName: "textgate-local-dispatch",
  awsRequestId: "test",
  getRemainingTimeInMillis: () => 10_000,
} as unknown as Context;
