import { randomInt } from "node:crypto";
import type { SQSClient } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  awsSmsCarrierAdapter,
  messageTypeFor,
  TTL_MAX_SECONDS,
  TTL_MIN_SECONDS,
  timeToLiveSeconds,
} from "../../functions/carriers/aws-sms-adapter.ts";
import {
  type CarrierAdapter,
  PermanentCarrierError,
  type Submission,
  TransientCarrierError,
} from "../../functions/carriers/model.ts";
import { type AwsSmsSimHandle, startAwsSmsSim } from "../../local/carrier-sim/aws-sms.ts";

/**
 * The aws-sms adapter with the REAL PinpointSMSVoiceV2 SDK client against the local simulator of the
 * service's JSON protocol (endpoint override): request mapping, and error mapping per exception class.
 * Runs without the platform: TEXTGATE_TEST_PLATFORM=0 npx vitest run test/carriers/aws-sms-adapter.test.ts
 */
const published: Record<string, unknown>[] = [];
const fakeSqs = {
  send: async (command: { input: { MessageBody?: string } }) => {
    published.push(JSON.parse(command.input.MessageBody ?? "{}") as Record<string, unknown>);
    return {};
  },
} as unknown as Pick<SQSClient, "send">;

let sim: AwsSmsSimHandle;
const NOW = new Date("2026-01-01T00:00:00.000Z");

const adapter = (settings: Parameters<typeof awsSmsCarrierAdapter>[0]["settings"] = {}): CarrierAdapter =>
  awsSmsCarrierAdapter({
    carrierId: "aws-test",
    settings: { configurationSetName: "textgate-test-sms", ...settings },
    endpoint: sim.url,
    region: "eu-central-1",
    now: () => NOW,
  });

/** +372 59xx xxxx with the given ending (the simulator's behaviour hooks are the last four digits). */
const mobile = (suffix: string) =>
  `+37259${String(randomInt(0, 10 ** 6))
    .padStart(6, "0")
    .slice(suffix.length)}${suffix}`;
const reference = () => `msg_01J${String(randomInt(0, 10 ** 9)).padStart(23, "0")}`.slice(0, 30);

const submission = (to: string, extra: Partial<Submission> = {}): Submission => ({
  reference: reference(),
  from: "Textgate",
  to,
  text: "Your code is 123456",
  encoding: "GSM-7",
  priority: "otp",
  validUntil: new Date(NOW.getTime() + 300_000).toISOString(),
  ...extra,
});

beforeAll(async () => {
  process.env.AWS_ACCESS_KEY_ID ??= "local";
  process.env.AWS_SECRET_ACCESS_KEY ??= "local";
  sim = await startAwsSmsSim({ sqs: fakeSqs, eventsQueueUrl: "http://queue.local/events", eventDelayMs: 0 });
});
afterAll(() => sim?.stop());

describe("SendTextMessage request", () => {
  it("carries our ids in Context, the configuration set, TTL from validity, MaxPrice and the message type", async () => {
    const to = mobile("57");
    const sent = submission(to, { priority: "otp" });
    const { carrierMessageId } = await adapter({
      maxPricePerSegment: "0.05",
      originationIdentity: "pool-1",
    }).submit(sent);
    expect(carrierMessageId).toMatch(/^[0-9a-f-]{36}$/);
    const request = sim.requests().find((body) => body.DestinationPhoneNumber === to);
    expect(request).toMatchObject({
      MessageBody: sent.text,
      MessageType: "TRANSACTIONAL",
      ConfigurationSetName: "textgate-test-sms",
      OriginationIdentity: "pool-1",
      MaxPrice: "0.05",
      TimeToLive: 300,
      Context: { messageId: sent.reference, carrierId: "aws-test" },
    });
    expect(request).not.toHaveProperty("DryRun");
    expect(sim.outbox(to)).toHaveLength(1);
  });

  it("sends bulk as PROMOTIONAL and a dry run without delivering", async () => {
    const to = mobile("58");
    await adapter({ dryRun: true }).submit(submission(to, { priority: "low" }));
    expect(sim.requests().find((body) => body.DestinationPhoneNumber === to)).toMatchObject({
      MessageType: "PROMOTIONAL",
      DryRun: true,
    });
    expect(sim.outbox(to)).toHaveLength(0);
  });

  it("maps priorities and clamps TTL to the API's bounds", () => {
    expect(["otp", "high", "normal", "low"].map((p) => messageTypeFor(p as Submission["priority"]))).toEqual([
      "TRANSACTIONAL",
      "TRANSACTIONAL",
      "PROMOTIONAL",
      "PROMOTIONAL",
    ]);
    expect(timeToLiveSeconds(new Date(NOW.getTime() + 1000).toISOString(), NOW)).toBe(TTL_MIN_SECONDS);
    expect(timeToLiveSeconds(new Date(NOW.getTime() + 10 * 86_400_000).toISOString(), NOW)).toBe(
      TTL_MAX_SECONDS,
    );
    expect(timeToLiveSeconds(undefined, NOW)).toBeUndefined();
  });
});

describe("error mapping (the service's exception classes through the real SDK)", () => {
  it.each([
    ["0004", "ThrottlingException"],
    ["0010", "ServiceQuotaExceededException"],
    ["0011", "InternalServerException"],
  ])("…%s (%s) is transient: retried later, never failed", async (suffix) => {
    const error = await adapter()
      .submit(submission(mobile(suffix)))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientCarrierError);
    expect((error as Error).cause).toBeDefined();
  });

  it.each([
    ["0001", "aws-sms-invalid-arguments", /invalid/],
    ["0003", "aws-sms-destination-phone-number-opted-out", /opted out/],
    ["0012", "aws-sms-account-disabled", /not allowed/],
  ])("…%s is permanent with code %s and a readable reason", async (suffix, code, reason) => {
    const error = await adapter()
      .submit(submission(mobile(suffix)))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentCarrierError);
    expect((error as PermanentCarrierError).code).toBe(code);
    expect((error as PermanentCarrierError).reason).toMatch(reason);
  });

  it("an unreachable endpoint is transient", async () => {
    const offline = awsSmsCarrierAdapter({
      carrierId: "aws-test",
      settings: {},
      endpoint: "http://127.0.0.1:1",
      region: "eu-central-1",
      timeoutMs: 500,
    });
    await expect(offline.submit(submission(mobile("59")))).rejects.toBeInstanceOf(TransientCarrierError);
  });

  it("lookup cannot tell (no lookup API): 'unknown', so the dispatcher never resubmits blindly", async () => {
    await expect(adapter().lookup("msg_x")).resolves.toMatchObject({ outcome: "unknown" });
  });
});

describe("simulator events", () => {
  it("publishes a non-final TEXT_PENDING then a final TEXT_DELIVERED with our Context", async () => {
    const to = mobile("67");
    const sent = submission(to);
    const { carrierMessageId } = await adapter().submit(sent);
    await expect
      .poll(() => published.filter((event) => event.messageId === carrierMessageId).map((e) => e.eventType))
      .toEqual(["TEXT_PENDING", "TEXT_DELIVERED"]);
    expect(
      published.find((e) => e.eventType === "TEXT_DELIVERED" && e.messageId === carrierMessageId),
    ).toMatchObject({
      isFinal: true,
      context: { messageId: sent.reference, carrierId: "aws-test" },
    });
  });
});
