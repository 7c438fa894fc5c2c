import { beforeAll, describe, expect, it } from "vitest";
import { catalog, deadLetterRedriveCount } from "../../lib/catalog/index.ts";
import { deadLetterMaxAge } from "../../lib/monitoring-construct.ts";
import { logicalId, nestedTemplate, referencedIds, type Synthesized, synthStack } from "./synth.ts";

/**
 * A consumed DLQ keeps its records in flight, so a visible-depth alarm on it never fires. Alarms must
 * watch the DLQ's oldest-record age, and records its consumer cannot settle must end up parked in a
 * queue nothing consumes, whose depth alarm does fire.
 */
let synth: Synthesized;
beforeAll(() => {
  synth = synthStack();
});

type Resource = { Properties: Record<string, unknown> };
const resourcesOf = (type: string) => synth.template.findResources(type) as Record<string, Resource>;
const alarms = () =>
  Object.values(
    nestedTemplate(synth, synth.stack.monitoring.alarmStack).findResources("AWS::CloudWatch::Alarm"),
  ).map((a) => (a as Resource).Properties);
const onQueue = (queueLogicalId: string, metric: string) =>
  alarms().filter(
    (a) =>
      a.MetricName === metric &&
      JSON.stringify(a.Dimensions).includes(JSON.stringify({ "Fn::GetAtt": [queueLogicalId, "QueueName"] })),
  );

const consumedDlqs = () =>
  [...synth.stack.messaging.queues.values()].filter((pair) => pair.spec.deadLetterConsumer);

describe("dead letters the consumer cannot settle", () => {
  it("every consumed DLQ redrives to a parked queue after the dead-letter consumer's tries", () => {
    expect(consumedDlqs().length).toBeGreaterThan(0);
    for (const pair of consumedDlqs()) {
      expect(pair.parked, pair.spec.id).toBeDefined();
      if (!pair.parked) continue;
      const dlq = resourcesOf("AWS::SQS::Queue")[logicalId(pair.dlq)]?.Properties;
      expect(dlq?.RedrivePolicy).toEqual({
        deadLetterTargetArn: { "Fn::GetAtt": [logicalId(pair.parked), "Arn"] },
        maxReceiveCount: deadLetterRedriveCount(pair.spec),
      });
      expect(deadLetterRedriveCount(pair.spec)).toBeGreaterThanOrEqual(
        pair.spec.parkAfterReceives ?? Infinity,
      );
      const parked = resourcesOf("AWS::SQS::Queue")[logicalId(pair.parked)]?.Properties;
      expect(parked).toMatchObject({ MessageRetentionPeriod: 14 * 24 * 3600 });
      expect(parked?.KmsMasterKeyId).toBeDefined();
    }
  });

  it("nothing consumes or resends parked records: no event-source mapping, no grant but the operator's", () => {
    const parkedIds = new Set(
      consumedDlqs().flatMap((pair) => (pair.parked ? [logicalId(pair.parked)] : [])),
    );
    for (const mapping of Object.values(resourcesOf("AWS::Lambda::EventSourceMapping"))) {
      for (const ref of referencedIds(mapping.Properties.EventSourceArn))
        expect(parkedIds.has(ref)).toBe(false);
    }
    // Only functions with operateDeadLetters (the operator API's list/redrive/discard) reach them.
    const operatorRoles = new Set(
      catalog.functions
        .filter((fn) => Object.values(fn.grants.queues ?? {}).includes("operateDeadLetters"))
        .map((fn) => {
          const role = synth.stack.functions.fn(fn.id).role;
          if (!role) throw new Error(`${fn.id}: no role`);
          return logicalId(role);
        }),
    );
    expect(operatorRoles.size).toBeGreaterThan(0);
    for (const policy of Object.values(resourcesOf("AWS::IAM::Policy"))) {
      const roles = (policy.Properties.Roles as { Ref?: string }[] | undefined) ?? [];
      if (roles.length > 0 && roles.every((role) => role.Ref && operatorRoles.has(role.Ref))) continue;
      for (const ref of referencedIds(policy.Properties.PolicyDocument))
        expect(parkedIds.has(ref)).toBe(false);
    }
  });

  it("alarm on the consumed DLQ's oldest record age, not on its (always near 0) visible depth", () => {
    for (const pair of consumedDlqs()) {
      const dlqId = logicalId(pair.dlq);
      const ages = onQueue(dlqId, "ApproximateAgeOfOldestMessage");
      expect(ages).toHaveLength(1);
      expect(ages[0]).toMatchObject({
        Threshold: deadLetterMaxAge(pair.spec).toSeconds(),
        ComparisonOperator: "GreaterThanThreshold",
        Statistic: "Maximum",
      });
      expect(onQueue(dlqId, "ApproximateNumberOfMessagesVisible")).toEqual([]);
    }
  });

  it("alarm on the first parked record", () => {
    for (const pair of consumedDlqs()) {
      if (!pair.parked) throw new Error(`${pair.spec.id}: no parked queue`);
      expect(onQueue(logicalId(pair.parked), "ApproximateNumberOfMessagesVisible")).toEqual([
        expect.objectContaining({ Threshold: 0, ComparisonOperator: "GreaterThanThreshold" }),
      ]);
    }
  });

  it("the age threshold covers the work queue's and the dead-letter consumer's tries", () => {
    for (const spec of catalog.queues.filter((queue) => queue.deadLetterConsumer)) {
      const tries = spec.maxReceiveCount + (deadLetterRedriveCount(spec) ?? 0);
      expect(deadLetterMaxAge(spec).toSeconds()).toBeGreaterThan(tries * spec.visibilityTimeoutSeconds);
    }
  });
});
