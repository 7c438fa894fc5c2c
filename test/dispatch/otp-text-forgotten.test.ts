import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { settleDeadLetter } from "../../functions/dispatch/dead-letters.ts";
import { dispatchDeps, handler } from "../../functions/dispatch/handler.ts";
import { dispatchMessage } from "../../functions/dispatch/service.ts";
import { dynamoMessageStateStore } from "../../functions/messages/state-store.ts";
import { messageKey } from "../../functions/messages/store.ts";
import { dynamoClient } from "../../functions/shared/aws.ts";
import { tableName } from "../../functions/shared/config.ts";
import { createTestAccount, type TestAccount } from "../messages/support.ts";
import { useLocalPlatformEnv } from "../support/env.ts";
import { lambdaContext, sqsEvent, startTestCarrier, storeMessage, type TestCarrier } from "./support.ts";

useLocalPlatformEnv();

let carrier: TestCarrier;
let account: TestAccount;

beforeAll(async () => {
  [carrier, account] = await Promise.all([startTestCarrier(), createTestAccount(["DE"])]);
});
afterAll(async () => {
  await carrier?.retire();
});

const rawItem = async (id: string) =>
  (await dynamoClient().send(new GetCommand({ TableName: tableName("messages"), Key: messageKey(id) }))).Item;

describe("one-time code texts do not outlive their delivery", () => {
  it("an OTP message loses its (encrypted) body once the carrier has it; other messages keep theirs", async () => {
    const otp = await storeMessage({
      accountId: account.accountId,
      to: carrier.number(),
      text: "Your code is 482913",
      priority: "otp",
    });
    const normal = await storeMessage({ accountId: account.accountId, to: carrier.number(), text: "Hello" });
    expect((await rawItem(otp))?.textCipher).toEqual(expect.any(String));

    for (const id of [otp, normal]) {
      expect((await handler(sqsEvent(id, 1), lambdaContext)).batchItemFailures).toEqual([]);
    }

    const sentOtp = await rawItem(otp);
    expect(sentOtp?.status).toBe("sent");
    expect(sentOtp?.textCipher).toBeUndefined();
    expect((await rawItem(normal))?.textCipher).toEqual(expect.any(String));
    // The carrier still got the code, once.
    expect(carrier.sim.outbox().find((entry) => entry.reference === otp)?.text).toBe("Your code is 482913");
  });

  const otpTo = (suffix?: string) => ({
    accountId: account.accountId,
    to: carrier.number(suffix),
    text: "Your code is 731904",
    priority: "otp" as const,
  });
  const store = dynamoMessageStateStore();

  it("a rejected OTP (failed) loses its body; a rejected ordinary message keeps it", async () => {
    const otp = await storeMessage(otpTo("0001"));
    const normal = await storeMessage({ ...otpTo("0001"), priority: "normal" });
    for (const id of [otp, normal]) await handler(sqsEvent(id, 1), lambdaContext);
    expect(await rawItem(otp)).toMatchObject({ status: "failed" });
    expect((await rawItem(otp))?.textCipher).toBeUndefined();
    expect(await rawItem(normal)).toMatchObject({ status: "failed", textCipher: expect.any(String) });
  });

  it("an OTP whose validity ran out before dispatch (expired) loses its body", async () => {
    const anHourAgo = { now: () => new Date(Date.now() - 3600_000) };
    const otp = await storeMessage({ ...otpTo(), validitySeconds: 60 }, anHourAgo);
    expect(
      await dispatchMessage({ messageId: otp, receiveCount: 1, maxReceiveCount: 5 }, dispatchDeps()),
    ).toBe("expired");
    expect(await rawItem(otp)).toMatchObject({ status: "expired" });
    expect((await rawItem(otp))?.textCipher).toBeUndefined();
    expect(carrier.submissions(otp)).toBe(0);
  });

  it("an OTP settled by the dead-letter consumer (failed, never sent) loses its body", async () => {
    const otp = await storeMessage(otpTo());
    expect(await settleDeadLetter(otp, dispatchDeps())).toBe("failed");
    expect(await rawItem(otp)).toMatchObject({ status: "failed", error: { code: "dispatch-failed" } });
    expect((await rawItem(otp))?.textCipher).toBeUndefined();
  });

  it("an OTP whose 'undelivered' report overtook the dispatcher's 'sent' write loses its body", async () => {
    const otp = await storeMessage(otpTo());
    const lease = {
      id: "crashed",
      carrierId: carrier.carrierId,
      leaseUntil: Date.now() + 60_000,
      attempt: 1,
    };
    expect(await store.claim(otp, lease)).toBe(true);
    const applied = await store.applyReport(otp, {
      status: "undelivered",
      carrierId: carrier.carrierId,
      carrierMessageId: "sim_overtaking",
      at: new Date().toISOString(),
      error: { code: "absent-subscriber", reason: "handset unreachable" },
    });
    expect(applied).toBe(true);
    expect(await rawItem(otp)).toMatchObject({ status: "undelivered" });
    expect((await rawItem(otp))?.textCipher).toBeUndefined();
  });
});
