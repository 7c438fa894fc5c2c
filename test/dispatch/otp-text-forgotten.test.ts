import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { handler } from "../../functions/dispatch/handler.ts";
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
});
