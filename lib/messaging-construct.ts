import { Duration, Names } from "aws-cdk-lib";
import type * as kms from "aws-cdk-lib/aws-kms";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import { SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { acknowledge } from "./acknowledge.ts";
import { physicalName, type QueueConsumerSpec, type QueueSpec } from "./catalog/index.ts";

export interface MessagingConstructProps {
  readonly stage: string;
  readonly queues: readonly QueueSpec[];
  readonly key: kms.IKey;
}

/** How long a dead letter waits for an operator: the SQS maximum. */
export const DLQ_RETENTION = Duration.days(14);
/** Below this, one slow carrier burst sends healthy messages to the DLQ. */
export const MIN_MAX_RECEIVE_COUNT = 5;

export interface QueuePair {
  readonly spec: QueueSpec;
  readonly queue: sqs.Queue;
  readonly dlq: sqs.Queue;
}

/**
 * SQS work queues from the catalogue, each with its own DLQ, encrypted with the data key and refusing
 * plain HTTP. Consumers are attached once the functions exist (connectConsumers).
 */
export class MessagingConstruct extends Construct {
  readonly queues: ReadonlyMap<string, QueuePair>;

  constructor(scope: Construct, id: string, props: MessagingConstructProps) {
    super(scope, id);
    const queues = new Map<string, QueuePair>();
    for (const spec of props.queues) {
      if (spec.maxReceiveCount < MIN_MAX_RECEIVE_COUNT) {
        throw new Error(`catalog: queue ${spec.id} maxReceiveCount must be >= ${MIN_MAX_RECEIVE_COUNT}`);
      }
      const name = physicalName(props.stage, spec.id);
      const dlq = new sqs.Queue(this, `Dlq-${spec.id}`, {
        queueName: `${name}-dlq`,
        retentionPeriod: DLQ_RETENTION,
        // A consumed DLQ follows the same visibility rule as its work queue (connectConsumers checks).
        ...(spec.deadLetterConsumer
          ? { visibilityTimeout: Duration.seconds(spec.visibilityTimeoutSeconds) }
          : {}),
        encryption: sqs.QueueEncryption.KMS,
        encryptionMasterKey: props.key,
        enforceSSL: true,
      });
      acknowledge(dlq, [
        {
          id: "Serverless-SQSRedrivePolicy",
          reason:
            "This queue IS the dead-letter queue of the work queue; what its dead-letter consumer (if any) cannot process waits for an operator (DLQ-depth alarm) instead of being redriven again.",
        },
      ]);
      const queue = new sqs.Queue(this, `Queue-${spec.id}`, {
        queueName: name,
        visibilityTimeout: Duration.seconds(spec.visibilityTimeoutSeconds),
        retentionPeriod: Duration.days(spec.retentionDays),
        encryption: sqs.QueueEncryption.KMS,
        encryptionMasterKey: props.key,
        // Reuse data keys for 5 min: fewer KMS calls per message under load.
        dataKeyReuse: Duration.minutes(5),
        enforceSSL: true,
        deadLetterQueue: { queue: dlq, maxReceiveCount: spec.maxReceiveCount },
      });
      queues.set(spec.id, { spec, queue, dlq });
    }
    this.queues = queues;
  }

  queue(id: string): sqs.Queue {
    const pair = this.queues.get(id);
    if (!pair) throw new Error(`messaging: unknown queue "${id}"`);
    return pair.queue;
  }

  dlq(id: string): sqs.Queue {
    const pair = this.queues.get(id);
    if (!pair) throw new Error(`messaging: unknown queue "${id}"`);
    return pair.dlq;
  }

  /** Event-source mappings from each queue (and each consumed DLQ) to the consumer named in the catalogue. */
  connectConsumers(functionById: (id: string) => lambda.IFunction & { readonly timeout?: Duration }): void {
    for (const { spec, queue, dlq } of this.queues.values()) {
      if (spec.consumer) {
        connect(spec, queue, spec.consumer, functionById, {
          id: "Serverless-LambdaEventSourceMappingDestination",
          reason:
            "SQS event sources do not support on-failure destinations; failed records return to the queue and move to its DLQ after maxReceiveCount (redrive policy), which the DLQ-depth alarm watches.",
        });
      }
      if (spec.deadLetterConsumer) {
        connect(spec, dlq, spec.deadLetterConsumer, functionById, {
          id: "Serverless-LambdaEventSourceMappingDestination",
          reason:
            "SQS event sources do not support on-failure destinations; records the dead-letter consumer cannot process stay in the DLQ (it has no redrive policy), which the DLQ-depth alarm watches.",
        });
      }
    }
  }
}

function connect(
  spec: QueueSpec,
  queue: sqs.Queue,
  consumerSpec: QueueConsumerSpec,
  functionById: (id: string) => lambda.IFunction & { readonly timeout?: Duration },
  acknowledgement: { id: string; reason: string },
): void {
  const consumer = functionById(consumerSpec.function);
  const timeout = consumer.timeout?.toSeconds();
  // AWS guidance: visibility >= 6x the consumer timeout, or in-flight batches get redelivered.
  if (timeout !== undefined && spec.visibilityTimeoutSeconds < 6 * timeout) {
    throw new Error(
      `catalog: queue ${spec.id} visibility ${spec.visibilityTimeoutSeconds}s < 6 x ${consumerSpec.function} timeout ${timeout}s`,
    );
  }
  const source = new SqsEventSource(queue, {
    batchSize: consumerSpec.batchSize,
    maxBatchingWindow: Duration.seconds(consumerSpec.maxBatchingWindowSeconds),
    ...(consumerSpec.maximumConcurrency !== undefined
      ? { maxConcurrency: consumerSpec.maximumConcurrency }
      : {}),
    reportBatchItemFailures: true,
  });
  consumer.addEventSource(source);
  const mapping = consumer.node.tryFindChild(`SqsEventSource:${Names.nodeUniqueId(queue.node)}`);
  if (!mapping) throw new Error(`messaging: event-source mapping for ${queue.node.id} not found`);
  acknowledge(mapping, [acknowledgement]);
}
