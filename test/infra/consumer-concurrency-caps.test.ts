import { beforeAll, describe, expect, it } from "vitest";
import { catalog } from "../../lib/catalog/index.ts";
import { consumerConcurrency } from "../../lib/catalog/messaging.ts";
import { type Synthesized, synthStack } from "./synth.ts";

/**
 * A bulk backlog must not take the account's whole Lambda concurrency and throttle the API path:
 * every SQS event-source mapping is capped, bulk hardest, and all caps together leave most of the
 * default account limit to the authorizer, send, verify and the rest of the API.
 */
const DEFAULT_ACCOUNT_CONCURRENCY = 1000;

let synth: Synthesized;
beforeAll(() => {
  synth = synthStack();
});

interface Mapping {
  readonly Properties: { EventSourceArn: unknown; ScalingConfig?: { MaximumConcurrency?: number } };
}

describe("queue consumer concurrency", () => {
  it("every event-source mapping has a MaximumConcurrency cap", () => {
    const mappings = Object.values(
      synth.template.findResources("AWS::Lambda::EventSourceMapping"),
    ) as Mapping[];
    expect(mappings.length).toBeGreaterThan(0);
    for (const mapping of mappings) {
      const cap = mapping.Properties.ScalingConfig?.MaximumConcurrency;
      expect(cap, JSON.stringify(mapping.Properties.EventSourceArn)).toBeGreaterThanOrEqual(2);
    }
  });

  it("the bulk queue's consumer has the smallest send cap, below OTP and transactional", () => {
    const capOf = (id: string) =>
      catalog.queues.find((queue) => queue.id === id)?.consumer?.maximumConcurrency;
    expect(capOf("sms-bulk")).toBe(consumerConcurrency.bulk);
    expect(capOf("sms-bulk")).toBeLessThan(capOf("sms-otp") ?? 0);
    expect(capOf("sms-bulk")).toBeLessThan(capOf("sms-transactional") ?? 0);
  });

  it("all consumers together stay under a tenth of the default account limit", () => {
    const total = catalog.queues
      .flatMap((queue) => [queue.consumer, queue.deadLetterConsumer])
      .reduce((sum, consumer) => sum + (consumer?.maximumConcurrency ?? 0), 0);
    expect(total).toBeLessThanOrEqual(DEFAULT_ACCOUNT_CONCURRENCY / 10);
  });
});
