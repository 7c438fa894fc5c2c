import { beforeAll, expect, it } from "vitest";
import { queueSpec } from "../../lib/catalog/index.ts";
import { logicalId, type Synthesized, synthStack } from "./synth.ts";

/** OTP never waits behind bulk: on the template, not only in the catalogue. */
let synth: Synthesized;
beforeAll(() => {
  synth = synthStack();
});

interface Mapping {
  Properties: { EventSourceArn: unknown; ScalingConfig?: { MaximumConcurrency?: number } };
}

const mappingOf = (queueId: string): Mapping | undefined => {
  const arn = JSON.stringify({ "Fn::GetAtt": [logicalId(synth.stack.messaging.queue(queueId)), "Arn"] });
  return Object.values(
    synth.template.findResources("AWS::Lambda::EventSourceMapping") as Record<string, Mapping>,
  ).find((mapping) => JSON.stringify(mapping.Properties.EventSourceArn) === arn);
};

it("OTP has a queue and event-source mapping of its own, with a larger share than bulk", () => {
  const otp = mappingOf("sms-otp");
  expect(otp).toBeDefined();
  const otpCap = otp?.Properties.ScalingConfig?.MaximumConcurrency;
  expect(otpCap).toBe(queueSpec("sms-otp").consumer?.maximumConcurrency);
  expect(otpCap).toBeGreaterThan(
    queueSpec("sms-bulk").consumer?.maximumConcurrency ?? Number.POSITIVE_INFINITY,
  );
});

it("bulk dispatch concurrency is capped, so a campaign cannot take OTP's capacity", () => {
  const cap = queueSpec("sms-bulk").consumer?.maximumConcurrency;
  expect(cap).toBeGreaterThanOrEqual(2); // Lambda's minimum for MaximumConcurrency
  expect(mappingOf("sms-bulk")?.Properties.ScalingConfig?.MaximumConcurrency).toBe(cap);
});
