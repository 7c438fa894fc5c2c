import { GetQueueAttributesCommand } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { carrierBreakers } from "../../functions/carriers/adapters.ts";
import { listCarrierRoutes } from "../../functions/carriers/store.ts";
import { handler } from "../../functions/dispatch/handler.ts";
import { dynamoMessageStateStore } from "../../functions/messages/state-store.ts";
import { sqsClient } from "../../functions/shared/aws.ts";
import { queueUrl } from "../../functions/shared/config.ts";
import { createTestAccount, type TestAccount } from "../messages/support.ts";
import { useLocalPlatformEnv } from "../support/env.ts";
import { lambdaContext, sqsEvent, startTestCarrier, storeMessage, type TestCarrier } from "./support.ts";

/**
 * The dispatch handler's wiring of the deferral (functions/dispatch/deferral.ts): with every carrier
 * behind an open breaker, the record is reported handled (no batch item failure, so no receive is
 * spent) and a delayed copy goes back on the queue the record came from. The copy's later delivery is
 * covered by carrier-outage-waits-without-spending-receives.test.ts.
 */
useLocalPlatformEnv();

let carrier: TestCarrier;
let account: TestAccount;

beforeAll(async () => {
  [carrier, account] = await Promise.all([startTestCarrier(), createTestAccount(["DE"])]);
});
afterAll(async () => {
  await carrier?.retire();
});

const delayedOnTransactionalQueue = async () =>
  Number(
    (
      await sqsClient().send(
        new GetQueueAttributesCommand({
          QueueUrl: queueUrl("sms-transactional"),
          AttributeNames: ["ApproximateNumberOfMessagesDelayed"],
        }),
      )
    ).Attributes?.ApproximateNumberOfMessagesDelayed ?? "0",
  );

describe("dispatch handler during a carrier outage", () => {
  it("reports the record handled and puts a delayed copy back on its own queue", async () => {
    // Open this container's breaker of every carrier (the platform's simulator serves the number too).
    for (const route of await listCarrierRoutes()) {
      const breaker = carrierBreakers.of(route.carrierId);
      for (let failure = 0; failure < 5; failure += 1) breaker.recordFailure();
    }
    const id = await storeMessage({ accountId: account.accountId, to: carrier.number(), text: "later" });
    const queueName = queueUrl("sms-transactional").split("/").at(-1);
    const eventSourceARN = `arn:aws:sqs:eu-central-1:000000000000:${queueName}`;
    const event = { Records: sqsEvent(id, 5).Records.map((record) => ({ ...record, eventSourceARN })) };
    const delayedBefore = await delayedOnTransactionalQueue();

    const result = await handler(event, lambdaContext);

    expect(result.batchItemFailures).toEqual([]);
    expect((await dynamoMessageStateStore().get(id))?.status).toBe("queued");
    expect(carrier.submissions(id)).toBe(0);
    expect(await delayedOnTransactionalQueue()).toBeGreaterThan(delayedBefore);
  });
});
