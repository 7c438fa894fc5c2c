import { describe, expect, it } from "vitest";
import {
  type AwsSmsEvent,
  awsSmsEvent,
  FINAL_STATUS,
  readAwsSmsEvent,
} from "../../functions/dlr/aws-sms-events.ts";
import { AWS_SMS_EVENT_TYPES } from "../../lib/catalog/index.ts";

/** Event types of AWS End User Messaging SMS → our statuses, by Context. Pure: TEXTGATE_TEST_PLATFORM=0. */
const context = { messageId: "msg_01J0000000000000000000000A", carrierId: "aws-sms" };
const event = (eventType: string, extra: Partial<AwsSmsEvent> = {}): AwsSmsEvent => ({
  eventType,
  eventTimestamp: Date.UTC(2026, 0, 1),
  isFinal: true,
  messageId: "aws-message-id",
  context,
  ...extra,
});

describe("readAwsSmsEvent", () => {
  it.each([
    ["TEXT_DELIVERED", "delivered"],
    ["TEXT_SUCCESSFUL", "delivered"],
    ["TEXT_BLOCKED", "failed"],
    ["TEXT_SPAM", "failed"],
    ["TEXT_INVALID", "failed"],
    ["TEXT_CARRIER_BLOCKED", "failed"],
    ["TEXT_TTL_EXPIRED", "undelivered"],
    ["TEXT_UNREACHABLE", "undelivered"],
    ["TEXT_CARRIER_UNREACHABLE", "undelivered"],
    ["TEXT_UNKNOWN", "undelivered"],
  ])("final %s → %s for the message and carrier named in Context", (type, status) => {
    const reading = readAwsSmsEvent(event(type));
    expect(reading).toMatchObject({
      kind: "report",
      carrierId: "aws-sms",
      report: { reference: context.messageId, carrierMessageId: "aws-message-id", status },
    });
    if (reading.kind === "report" && status !== "delivered") {
      expect(reading.report.errorCode).toBe(`aws-sms-${type.slice(5).toLowerCase().replaceAll("_", "-")}`);
      expect(reading.report.errorReason?.length).toBeGreaterThan(10);
    }
  });

  it("ignores queued, pending and not-final successes (a handset receipt is still to come)", () => {
    expect(readAwsSmsEvent(event("TEXT_QUEUED", { isFinal: false }))).toEqual({
      kind: "ignored",
      why: "not-final",
    });
    expect(readAwsSmsEvent(event("TEXT_PENDING"))).toEqual({ kind: "ignored", why: "not-final" });
    expect(readAwsSmsEvent(event("TEXT_SUCCESSFUL", { isFinal: false }))).toEqual({
      kind: "ignored",
      why: "not-final",
    });
  });

  it("ignores events without our Context (messages not sent by Textgate) and voice events", () => {
    const { context: _omitted, ...bare } = event("TEXT_DELIVERED");
    expect(readAwsSmsEvent(bare)).toEqual({ kind: "ignored", why: "no-context" });
    expect(readAwsSmsEvent(event("VOICE_COMPLETED"))).toEqual({ kind: "ignored", why: "unknown-type" });
  });

  it("rejects a Context whose message id is not ours", () => {
    const parsed = awsSmsEvent.safeParse({
      ...event("TEXT_DELIVERED"),
      context: { messageId: "x", carrierId: "a" },
    });
    expect(parsed.success).toBe(false);
  });

  it("the configuration set forwards exactly the event types the consumer maps", () => {
    expect(Object.keys(FINAL_STATUS).sort()).toEqual([...AWS_SMS_EVENT_TYPES].sort());
  });
});
