import { beforeAll, describe, expect, it } from "vitest";
import {
  alertMetrics,
  catalog,
  envNames,
  type FunctionSpec,
  metricsNamespace,
  physicalName,
  queueGrantParts,
  queuePartId,
  queueSpec,
} from "../../lib/catalog/index.ts";
import { functionsOffTheApi, PUBLIC_API_URL_ENV } from "../../lib/textgate-stack.ts";
import { logicalId, nestedTemplate, type Synthesized, synthStack } from "./synth.ts";

let synth: Synthesized;
beforeAll(() => {
  synth = synthStack();
});

type Resources = Record<string, { Properties: Record<string, unknown> }>;
const resourcesOf = (type: string): Resources => synth.template.findResources(type) as Resources;

/** The env a function must get: stage + service name + exactly the resources it is granted. */
function expectedEnvNames(spec: FunctionSpec): string[] {
  return [
    envNames.stage,
    "POWERTOOLS_SERVICE_NAME",
    "POWERTOOLS_METRICS_NAMESPACE",
    ...Object.keys(spec.environment ?? {}),
    ...Object.keys(spec.grants.tables ?? {}).map(envNames.table),
    ...Object.entries(spec.grants.queues ?? {}).flatMap(([id, access]) =>
      queueGrantParts(access, queueSpec(id)).map(({ part }) => envNames.queueUrl(queuePartId(id, part))),
    ),
    ...Object.keys(spec.grants.keys ?? {}).map(envNames.keyArn),
    ...(spec.grants.usagePlan ? [envNames.usagePlanName] : []),
    ...(spec.grants.smsVoice ? [envNames.smsConfigurationSet] : []),
    ...(functionsOffTheApi(catalog).includes(spec.id) ? [PUBLIC_API_URL_ENV] : []),
  ].sort();
}

describe.each(catalog.functions.map((spec) => [spec.id, spec] as const))("function %s", (_id, spec) => {
  const props = () =>
    resourcesOf("AWS::Lambda::Function")[logicalId(synth.stack.functions.fn(spec.id))]?.Properties;

  it("runs nodejs22.x on arm64 with the catalogue's memory and timeout, traced", () => {
    expect(props()).toMatchObject({
      FunctionName: physicalName("prod", spec.id),
      Runtime: "nodejs22.x",
      Architectures: ["arm64"],
      MemorySize: spec.memoryMb,
      Timeout: spec.timeoutSeconds,
      TracingConfig: { Mode: "Active" },
    });
  });

  it("gets env only for what it is granted, and never NODE_OPTIONS", () => {
    const env = ((props()?.Environment ?? {}) as { Variables?: Record<string, unknown> }).Variables ?? {};
    expect(Object.keys(env).sort()).toEqual(expectedEnvNames(spec));
    expect(env.NODE_OPTIONS).toBeUndefined();
    expect(env[envNames.stage]).toBe("prod");
    if (spec.grants.usagePlan) {
      // The function finds the plan by name at run time: it must be the name the stack gave it.
      const plans = Object.values(resourcesOf("AWS::ApiGateway::UsagePlan"));
      expect(plans.map((plan) => plan.Properties.UsagePlanName)).toEqual([env[envNames.usagePlanName]]);
    }
  });

  it("logs to its own KMS-encrypted log group with retention", () => {
    const logging = props()?.LoggingConfig as { LogGroup: unknown };
    const logGroupRef = (logging.LogGroup as { Ref: string }).Ref;
    expect(resourcesOf("AWS::Logs::LogGroup")[logGroupRef]?.Properties).toMatchObject({
      LogGroupName: `/aws/lambda/${physicalName("prod", spec.id)}`,
      RetentionInDays: expect.any(Number),
      KmsKeyId: { "Fn::GetAtt": [logicalId(synth.stack.data.atRest("logs")), "Arn"] },
    });
  });

  it("has a role without AWS managed policies", () => {
    const role = synth.stack.functions.fn(spec.id).role;
    if (!role) throw new Error("no role");
    expect(resourcesOf("AWS::IAM::Role")[logicalId(role)]?.Properties.ManagedPolicyArns).toBeUndefined();
  });
});

it("queue consumers know the public API URL (carrier DLR callbacks)", () => {
  const consumers = new Set(
    catalog.queues.flatMap((queue) => (queue.consumer ? [queue.consumer.function] : [])),
  );
  for (const fnId of consumers) {
    expect(functionsOffTheApi(catalog)).toContain(fnId);
    const props = resourcesOf("AWS::Lambda::Function")[logicalId(synth.stack.functions.fn(fnId))]?.Properties;
    const env = ((props?.Environment ?? {}) as { Variables?: Record<string, unknown> }).Variables ?? {};
    expect(JSON.stringify(env[PUBLIC_API_URL_ENV])).toContain("execute-api");
  }
});

describe("monitoring", () => {
  // The alarms sit in their own nested stack (CloudFormation's 500-resource limit per stack).
  const alarms = () =>
    Object.values(
      nestedTemplate(synth, synth.stack.monitoring.alarmStack).findResources("AWS::CloudWatch::Alarm"),
    ).map((a) => a.Properties as Record<string, unknown>);

  it("every alarm is in the alarm stack, none in the parent", () => {
    expect(alarms().length).toBeGreaterThan(0);
    synth.template.resourceCountIs("AWS::CloudWatch::Alarm", 0);
  });

  it("alarms on any message in each DLQ nothing consumes", () => {
    for (const [, pair] of synth.stack.messaging.queues) {
      if (pair.spec.deadLetterConsumer) continue; // see dead-letter-parking.test.ts
      const dlqName = { "Fn::GetAtt": [logicalId(pair.dlq), "QueueName"] };
      const alarm = alarms().find(
        (a) =>
          a.MetricName === "ApproximateNumberOfMessagesVisible" &&
          JSON.stringify(a.Dimensions).includes(JSON.stringify(dlqName)),
      );
      expect(alarm).toMatchObject({ Threshold: 0, ComparisonOperator: "GreaterThanThreshold" });
    }
  });

  it("alarms when a work queue's oldest message waits too long", () => {
    for (const [, pair] of synth.stack.messaging.queues) {
      const queueName = JSON.stringify({ "Fn::GetAtt": [logicalId(pair.queue), "QueueName"] });
      expect(
        alarms().some(
          (a) =>
            a.MetricName === "ApproximateAgeOfOldestMessage" &&
            JSON.stringify(a.Dimensions).includes(queueName),
        ),
      ).toBe(true);
    }
  });

  it("has one overview dashboard", () => {
    synth.template.resourceCountIs("AWS::CloudWatch::Dashboard", 1);
  });

  it("alarms on API 5XX rate and on each function's errors and throttles", () => {
    expect(alarms().some((a) => a.MetricName === "5XXError" && a.Statistic === "Average")).toBe(true);
    for (const spec of catalog.functions) {
      const fnRef = JSON.stringify({ Ref: logicalId(synth.stack.functions.fn(spec.id)) });
      for (const metric of ["Errors", "Throttles"]) {
        expect(
          alarms().some((a) => a.MetricName === metric && JSON.stringify(a.Dimensions).includes(fnRef)),
        ).toBe(true);
      }
    }
  });

  it("alarms on the business alert metrics (verify conversion low, fraud blocks) across all countries", () => {
    for (const spec of Object.values(alertMetrics)) {
      expect(
        alarms().some(
          (a) =>
            a.Namespace === metricsNamespace &&
            a.MetricName === spec.name &&
            JSON.stringify(a.Dimensions) === JSON.stringify([{ Name: "service", Value: spec.service }]),
        ),
        spec.name,
      ).toBe(true);
    }
  });

  it("notifies an SNS topic encrypted with the logs key (no table or field key)", () => {
    synth.template.hasResourceProperties("AWS::SNS::Topic", {
      KmsMasterKeyId: { "Fn::GetAtt": [logicalId(synth.stack.data.atRest("alarms")), "Arn"] },
    });
    const topic = { Ref: logicalId(synth.stack.monitoring.topic) };
    expect(alarms().length).toBeGreaterThan(0);
    for (const alarm of alarms()) {
      expect(alarm.AlarmActions).toEqual([topic]);
      expect(alarm.OKActions).toEqual([topic]);
    }
  });
});
