import { Match } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { catalog, physicalName } from "../../lib/catalog/index.ts";
import { stageAlias } from "../../lib/data-construct.ts";
import { logicalId, type Synthesized, synthStack } from "./synth.ts";

let synth: Synthesized;
beforeAll(() => {
  synth = synthStack();
});

const resourcesOf = (type: string): Record<string, { Properties: Record<string, unknown> }> =>
  synth.template.findResources(type) as Record<string, { Properties: Record<string, unknown> }>;

describe("KMS keys", () => {
  it("the signing key is ECC_NIST_P256 SIGN_VERIFY with a stage alias", () => {
    const spec = catalog.keys.find((key) => key.usage === "SIGN_VERIFY");
    expect(spec?.keySpec).toBe("ECC_NIST_P256");
    if (!spec) return;
    const key = synth.stack.data.key(spec.id);
    const props = resourcesOf("AWS::KMS::Key")[logicalId(key)]?.Properties;
    expect(props).toMatchObject({ KeySpec: "ECC_NIST_P256", KeyUsage: "SIGN_VERIFY" });
    synth.template.hasResourceProperties("AWS::KMS::Alias", {
      AliasName: stageAlias("prod", spec),
      TargetKeyId: { "Fn::GetAtt": [logicalId(key), "Arn"] },
    });
  });

  it("every symmetric key rotates and has an alias", () => {
    for (const spec of catalog.keys.filter((key) => key.keySpec === "SYMMETRIC_DEFAULT")) {
      const id = logicalId(synth.stack.data.key(spec.id));
      expect(resourcesOf("AWS::KMS::Key")[id]?.Properties).toMatchObject({ EnableKeyRotation: true });
      synth.template.hasResourceProperties("AWS::KMS::Alias", { AliasName: stageAlias("prod", spec) });
    }
  });
});

describe("DynamoDB tables", () => {
  const tableKeyArn = () => ({ "Fn::GetAtt": [logicalId(synth.stack.data.atRest("tables")), "Arn"] });

  it.each(catalog.tables.map((table) => [table.id, table] as const))(
    "%s: on-demand, PITR, deletion protection, CMK, TTL, GSIs as catalogued",
    (_id, spec) => {
      const props = resourcesOf("AWS::DynamoDB::GlobalTable")[logicalId(synth.stack.data.table(spec.id))]
        ?.Properties;
      expect(props).toBeDefined();
      expect(props).toMatchObject({
        TableName: physicalName("prod", spec.id),
        BillingMode: "PAY_PER_REQUEST",
        SSESpecification: { SSEEnabled: true, SSEType: "KMS" },
      });
      const replicas = props?.Replicas as Record<string, unknown>[];
      expect(replicas.length).toBeGreaterThan(0);
      for (const replica of replicas) {
        // Deletion protection comes from TableProtectionConstruct after the deploy (see
        // failed-first-deploy-retry.test.ts), never from the template.
        expect(replica.DeletionProtectionEnabled).not.toBe(true);
        expect(replica).toMatchObject({
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          SSESpecification: { KMSMasterKeyId: tableKeyArn() },
        });
      }
      if (spec.ttlAttribute) {
        expect(props?.TimeToLiveSpecification).toEqual({ AttributeName: spec.ttlAttribute, Enabled: true });
      } else {
        expect(props?.TimeToLiveSpecification).toBeUndefined();
      }
      // Each index with the catalogue's projection: keys-only ones are not written by updates that
      // leave their keys alone (test/messages/status-update-index-writes.test.ts).
      const indexes = (props?.GlobalSecondaryIndexes ?? []) as {
        IndexName: string;
        Projection: { ProjectionType: string; NonKeyAttributes?: string[] };
      }[];
      const projectionTypes = { keys: "KEYS_ONLY", include: "INCLUDE", all: "ALL" } as const;
      expect(Object.fromEntries(indexes.map((i) => [i.IndexName, i.Projection]))).toEqual(
        Object.fromEntries(
          (spec.indexes ?? []).map((index) => [
            index.name,
            {
              ProjectionType: projectionTypes[index.projection.type],
              ...(index.projection.type === "include"
                ? { NonKeyAttributes: index.projection.attributes }
                : {}),
            },
          ]),
        ),
      );
    },
  );

  it("adds a replica in replicaRegion, encrypted with the replica-region key alias", () => {
    const replicated = synthStack({ replicaRegion: "eu-west-1" });
    const tables = replicated.template.findResources("AWS::DynamoDB::GlobalTable");
    for (const table of Object.values(tables)) {
      const regions = (table.Properties.Replicas as { Region: string }[]).map((r) => r.Region);
      expect(regions).toContain("eu-west-1");
    }
    expect(JSON.stringify(tables)).toContain(":kms:eu-west-1:");
  });
});

describe("SQS queues", () => {
  const queues = () => resourcesOf("AWS::SQS::Queue");

  it.each(catalog.queues.map((queue) => [queue.id, queue] as const))(
    "%s: DLQ, maxReceiveCount >= 5, visibility >= 6x consumer timeout, CMK, TLS only",
    (_id, spec) => {
      const pair = synth.stack.messaging.queues.get(spec.id);
      expect(pair).toBeDefined();
      if (!pair) return;
      const queue = queues()[logicalId(pair.queue)]?.Properties;
      const dlq = queues()[logicalId(pair.dlq)]?.Properties;
      const keyArn = { "Fn::GetAtt": [logicalId(synth.stack.data.atRest("queues")), "Arn"] };
      expect(queue).toMatchObject({
        VisibilityTimeout: spec.visibilityTimeoutSeconds,
        KmsMasterKeyId: keyArn,
        RedrivePolicy: {
          deadLetterTargetArn: { "Fn::GetAtt": [logicalId(pair.dlq), "Arn"] },
          maxReceiveCount: spec.maxReceiveCount,
        },
      });
      expect(spec.maxReceiveCount).toBeGreaterThanOrEqual(5);
      expect(dlq).toMatchObject({ MessageRetentionPeriod: 14 * 24 * 3600, KmsMasterKeyId: keyArn });
      if (spec.consumer) {
        const consumer = catalog.functions.find((fn) => fn.id === spec.consumer?.function);
        expect(consumer).toBeDefined();
        expect(spec.visibilityTimeoutSeconds).toBeGreaterThanOrEqual(
          6 * (consumer?.timeoutSeconds ?? Infinity),
        );
      }
      for (const queueId of [logicalId(pair.queue), logicalId(pair.dlq)]) {
        synth.template.hasResourceProperties("AWS::SQS::QueuePolicy", {
          Queues: [{ Ref: queueId }],
          PolicyDocument: {
            Statement: Match.arrayWith([
              Match.objectLike({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
            ]),
          },
        });
      }
    },
  );

  it("maps each consumed queue to its consumer with batch size, window and partial failures", () => {
    for (const spec of catalog.queues.filter((queue) => queue.consumer)) {
      const pair = synth.stack.messaging.queues.get(spec.id);
      const consumer = spec.consumer;
      if (!pair || !consumer) throw new Error("unreachable");
      synth.template.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
        EventSourceArn: { "Fn::GetAtt": [logicalId(pair.queue), "Arn"] },
        FunctionName: { Ref: logicalId(synth.stack.functions.fn(consumer.function)) },
        BatchSize: consumer.batchSize,
        ...(consumer.maxBatchingWindowSeconds > 0
          ? { MaximumBatchingWindowInSeconds: consumer.maxBatchingWindowSeconds }
          : {}),
        ...(consumer.maximumConcurrency !== undefined
          ? { ScalingConfig: { MaximumConcurrency: consumer.maximumConcurrency } }
          : {}),
        FunctionResponseTypes: ["ReportBatchItemFailures"],
      });
    }
  });

  it("caps the webhook sender's concurrency on its event-source mapping", () => {
    const pair = synth.stack.messaging.queues.get("webhooks");
    if (!pair) throw new Error("no webhooks queue in the stack");
    const cap = pair.spec.consumer?.maximumConcurrency;
    expect(cap).toBeGreaterThanOrEqual(2);
    synth.template.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      EventSourceArn: { "Fn::GetAtt": [logicalId(pair.queue), "Arn"] },
      ScalingConfig: { MaximumConcurrency: cap },
    });
  });

  it("maps each DLQ with a dead-letter consumer to it, with partial failures, and gives it the work queue's visibility", () => {
    const consumed = catalog.queues.filter((queue) => queue.deadLetterConsumer);
    expect(consumed.map((queue) => queue.id).sort()).toEqual(["sms-bulk", "sms-otp", "sms-transactional"]);
    for (const spec of consumed) {
      const pair = synth.stack.messaging.queues.get(spec.id);
      const consumer = spec.deadLetterConsumer;
      if (!pair || !consumer) throw new Error("unreachable");
      synth.template.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
        EventSourceArn: { "Fn::GetAtt": [logicalId(pair.dlq), "Arn"] },
        FunctionName: { Ref: logicalId(synth.stack.functions.fn(consumer.function)) },
        BatchSize: consumer.batchSize,
        FunctionResponseTypes: ["ReportBatchItemFailures"],
      });
      const dlq = queues()[logicalId(pair.dlq)]?.Properties;
      expect(dlq?.VisibilityTimeout).toBe(spec.visibilityTimeoutSeconds);
      const fn = catalog.functions.find((f) => f.id === consumer.function);
      expect(spec.visibilityTimeoutSeconds).toBeGreaterThanOrEqual(6 * (fn?.timeoutSeconds ?? Infinity));
      // The consumer may consume the DLQ, never the work queue.
      expect(fn?.grants.queues?.[spec.id]).toBe("consumeDeadLetters");
    }
    // Exactly one mapping per consumer queue and per consumed DLQ: no mapping on anything else.
    const mappings = Object.keys(synth.template.findResources("AWS::Lambda::EventSourceMapping"));
    const expected = catalog.queues.filter((queue) => queue.consumer).length + consumed.length;
    expect(mappings).toHaveLength(expected);
  });
});
