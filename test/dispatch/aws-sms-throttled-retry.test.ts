import { afterAll, beforeAll, expect, it } from "vitest";
import { awsSmsCarrierAdapter } from "../../functions/carriers/aws-sms-adapter.ts";
import type { CarrierRoute } from "../../functions/carriers/model.ts";
import { type DispatchDeps, dispatchMessage, RetryLaterError } from "../../functions/dispatch/service.ts";
import { dynamoMessageStateStore } from "../../functions/messages/state-store.ts";
import { fieldCipher } from "../../functions/shared/crypto.ts";
import { type AwsSmsSimHandle, startAwsSmsSim } from "../../local/carrier-sim/aws-sms.ts";
import { createTestAccount, type TestAccount } from "../messages/support.ts";
import { useLocalPlatformEnv } from "../support/env.ts";
import { storeMessage } from "./support.ts";

/**
 * AWS End User Messaging SMS cannot be asked whether it has a message. A throttled attempt is a
 * definite "not accepted", so the redelivered record must submit again (once) instead of asking a
 * carrier that cannot answer and retrying until the message dead-letters.
 */
useLocalPlatformEnv();

let account: TestAccount;
let sim: AwsSmsSimHandle;
beforeAll(async () => {
  [account, sim] = await Promise.all([createTestAccount(["EE"]), startAwsSmsSim({})]);
});
afterAll(() => sim?.stop());

const route: CarrierRoute = {
  carrierId: "aws-throttle-test",
  name: "aws-throttle-test",
  protocol: "aws-sms",
  baseUrl: "",
  tls: true,
  prefixes: ["+372"],
  priority: 1,
  weight: 1,
  enabled: true,
};

it("a throttled submission is submitted once more on redelivery, without a lookup, and ends sent", async () => {
  let nowMs = Date.now();
  const adapter = awsSmsCarrierAdapter({ carrierId: route.carrierId, settings: {}, endpoint: sim.url });
  const deps: DispatchDeps = {
    store: dynamoMessageStateStore(),
    routes: async () => [route],
    adapterFor: async () => adapter,
    cipher: fieldCipher(),
    clock: { now: () => new Date(nowMs) },
    leaseMs: 30_000,
    defaultSender: "Textgate",
  };
  const to = "+37256123458";
  const id = await storeMessage({ accountId: account.accountId, to, text: "throttled once" });
  sim.faults.throttleNext = 1;
  await expect(
    dispatchMessage({ messageId: id, receiveCount: 1, maxReceiveCount: 5 }, deps),
  ).rejects.toBeInstanceOf(RetryLaterError);
  expect((await deps.store.get(id))?.submission?.notAccepted).toBe(true);
  // SQS redelivers after the visibility timeout, when the lease has run out.
  nowMs += 31_000;
  expect(await dispatchMessage({ messageId: id, receiveCount: 2, maxReceiveCount: 5 }, deps)).toBe("sent");
  expect(sim.outbox(to).filter((entry) => entry.reference === id)).toHaveLength(1);
});
