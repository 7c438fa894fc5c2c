import { randomInt } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { LOCAL_AWS_SMS_CARRIER_ID, LOCAL_AWS_SMS_PREFIX } from "../../local/carrier.ts";
import { call, createTestAccount, outbox, type TestAccount } from "../messages/support.ts";
import { useLocalPlatformEnv } from "../support/env.ts";

/**
 * The whole AWS End User Messaging SMS path on the local platform: POST /v1/messages → dispatch →
 * real PinpointSMSVoiceV2 SDK client → simulator → delivery event on the aws-sms-events queue →
 * consumer → GET /v1/messages/{id}. No delivery report passes the API.
 */
useLocalPlatformEnv();

let account: TestAccount;
beforeAll(async () => {
  account = await createTestAccount(["EE"]);
});

/** +372 59xx xxxx (the simulated AWS carrier's prefix) with the given last digits. */
const awsMobile = (suffix: string) =>
  `${LOCAL_AWS_SMS_PREFIX}${String(randomInt(0, 10 ** 6))
    .padStart(6, "0")
    .slice(suffix.length)}${suffix}`;

async function send(to: string, priority?: string) {
  const sent = await call("POST", "/v1/messages", {
    apiKey: account.apiKey,
    json: { to, text: "aws event path", ...(priority ? { priority } : {}) },
  });
  expect(sent.status).toBe(202);
  return sent.body.id as string;
}

const statusOf = async (id: string) =>
  (await call("GET", `/v1/messages/${id}`, { apiKey: account.apiKey })).body;

const settle = (id: string, status: string) =>
  expect.poll(async () => (await statusOf(id)).status, { timeout: 15_000, interval: 100 }).toBe(status);

describe("AWS End User Messaging SMS on the local platform", () => {
  it("a message to the AWS route ends delivered by the event on the queue, through the AWS carrier", async () => {
    const to = awsMobile("57");
    const id = await send(to, "high");
    await settle(id, "delivered");
    expect(await statusOf(id)).toMatchObject({ carrier: LOCAL_AWS_SMS_CARRIER_ID });
    const entries = (await outbox(to)) as { reference?: string }[];
    expect(entries.map((entry) => entry.reference)).toEqual([id]);
  });

  it("a final TEXT_UNREACHABLE event ends the message undelivered with a readable reason", async () => {
    const id = await send(awsMobile("0000"));
    await settle(id, "undelivered");
    expect((await statusOf(id)).error).toMatchObject({
      code: "aws-sms-unreachable",
      reason: expect.stringMatching(/unreachable/),
    });
  });

  it("an opted-out destination fails at submit with the reason, without an event", async () => {
    const id = await send(awsMobile("0003"));
    await settle(id, "failed");
    expect((await statusOf(id)).error).toMatchObject({
      code: "aws-sms-destination-phone-number-opted-out",
      reason: expect.stringMatching(/opted out/),
    });
  });
});
