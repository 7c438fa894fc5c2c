import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { carrierQualityReport } from "../../functions/carriers/quality-report.ts";
import { dynamoMessageStateStore } from "../../functions/messages/state-store.ts";
import { sqsClient } from "../../functions/shared/aws.ts";
import { queueUrl } from "../../functions/shared/config.ts";
import { type LocalSmpp, startLocalSmpp } from "../../local/smpp.ts";
import { storeMessage } from "../dispatch/support.ts";
import { createTestAccount, type TestAccount } from "../messages/support.ts";
import { useLocalPlatformEnv } from "../support/env.ts";
import { eventually } from "./smpp-support.ts";

const env = useLocalPlatformEnv();

/**
 * What `npm start` runs: the connector as a child process (functions/carriers/smpp/main.ts) bound
 * over TLS to the local SMSC, consuming the sms-smpp queue and writing statuses to the messages table.
 */
let smpp: LocalSmpp;
let account: TestAccount;

beforeAll(async () => {
  [smpp, account] = await Promise.all([
    startLocalSmpp({ env, warn: () => {}, carrierId: "smpp-child-test", prefixes: ["+4917699"] }),
    createTestAccount(["DE"]),
  ]);
});
afterAll(async () => {
  await smpp?.stop();
});

describe("the SMPP connector process", () => {
  it("takes a message from its queue to the SMSC once and to delivered by the receipt", async () => {
    const to = `+4917699${String(Date.now()).slice(-5)}`;
    const id = await storeMessage({ accountId: account.accountId, to, text: "child process hello" });
    const body = JSON.stringify({ v: 1, messageId: id });
    // Delivered twice, as SQS may: still one submission.
    for (let i = 0; i < 2; i += 1) {
      await sqsClient().send(new SendMessageCommand({ QueueUrl: queueUrl("sms-smpp"), MessageBody: body }));
    }
    const store = dynamoMessageStateStore();
    const message = await eventually(
      () => store.get(id),
      (current) => current?.status === "delivered",
    );
    expect(message?.status).toBe("delivered");
    expect(message?.carrierId).toBe("smpp-child-test");
    expect(smpp.smsc.delivered(to)).toEqual([{ destination: to, text: "child process hello", parts: 1 }]);
    expect(smpp.smsc.stats().binds).toBe(1);
    // The connector records the carrier's quality figures: one submit over TLS, one receipt.
    await expect
      .poll(async () => (await carrierQualityReport("smpp-child-test")).last24h.delivered, {
        timeout: 10_000,
      })
      .toBe(1);
    expect((await carrierQualityReport("smpp-child-test")).last24h).toMatchObject({
      submitted: 1,
      tlsShare: 1,
      deliveryRate: 1,
      byCountry: { DE: { submitted: 1, delivered: 1 } },
    });
  });
});
