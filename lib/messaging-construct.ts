import { Duration, Names } from "aws-cdk-lib";
import type * as kms from "aws-cdk-lib/aws-kms";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import { SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { acknowledge } from "./acknowledge.ts";
import {
  deadLetterRedriveCount,
  physicalName,
  type QueueConsumerSpec,
  type QueuePart,
  type QueueSpec,
} from "./catalog/index.ts";

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
  /** Where the DLQ's consumer parks what it cannot settle (spec.parkAfterReceives); never consumed. */
  readonly parked?: sqs.Queue;
}

/**
 * SQS work queues from the catalogue, each with its own DLQ, encrypted with the catalogue's queue key (the table key) and refusing
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
      const parked = this.parkedQueue(spec, name, props.key);
      const dlq = new sqs.Queue(this, `Dlq-${spec.id}`, {
        queueName: `${name}-dlq`,
        retentionPeriod: DLQ_RETENTION,
        // A consumed DLQ follows the same visibility rule as its work queue (connectConsumers checks).
        ...(spec.deadLetterConsumer
          ? { visibilityTimeout: Duration.seconds(spec.visibilityTimeoutSeconds) }
          : {}),
        ...(parked ? { deadLetterQueue: { queue: parked, maxReceiveCount: parkedRedriveCount(spec) } } : {}),
        encryption: sqs.QueueEncryption.KMS,
        encryptionMasterKey: props.key,
        enforceSSL: true,
      });
      if (!parked) {
        acknowledge(dlq, [
          {
            id: "Serverless-SQSRedrivePolicy",
            reason:
              "This queue IS the dead-letter queue of the work queue and has no consumer: its records wait for an operator (DLQ-depth alarm) instead of being redriven again.",
          },
        ]);
      }
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
      queues.set(spec.id, { spec, queue, dlq, ...(parked ? { parked } : {}) });
    }
    this.queues = queues;
  }

  /** The end of the line for dead letters the consumer cannot settle: no consumer, no redrive. */
  private parkedQueue(spec: QueueSpec, name: string, key: kms.IKey): sqs.Queue | undefined {
    if (spec.parkAfterReceives === undefined) return undefined;
    if (!spec.deadLetterConsumer) {
      throw new Error(`catalog: queue ${spec.id} parks dead letters but has no deadLetterConsumer`);
    }
    if (spec.parkAfterReceives < MIN_MAX_RECEIVE_COUNT) {
      throw new Error(`catalog: queue ${spec.id} parkAfterReceives must be >= ${MIN_MAX_RECEIVE_COUNT}`);
    }
    const parked = new sqs.Queue(this, `Parked-${spec.id}`, {
      queueName: `${name}-parked`,
      // Counted from the original send (standard queues keep the enqueue time): the SQS maximum.
      retentionPeriod: DLQ_RETENTION,
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: key,
      enforceSSL: true,
    });
    acknowledge(parked, [
      {
        id: "Serverless-SQSRedrivePolicy",
        reason:
          "Parked dead letters (the DLQ's own dead-letter queue): nothing consumes it, an operator lists and redrives its records (docs/runbooks/dlq-redrive.md) and its depth alarm fires on the first one.",
      },
    ]);
    return parked;
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

  /** One part of a catalogue queue (the parked queue exists only with parkAfterReceives). */
  part(id: string, part: QueuePart): sqs.Queue {
    const pair = this.queues.get(id);
    if (!pair) throw new Error(`messaging: unknown queue "${id}"`);
    const queue = part === "queue" ? pair.queue : part === "dlq" ? pair.dlq : pair.parked;
    if (!queue) throw new Error(`messaging: queue "${id}" has no ${part} queue`);
    return queue;
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
            "SQS event sources do not support on-failure destinations; records the dead-letter consumer cannot settle return to the DLQ and after parkAfterReceives move to the parked queue (the DLQ's redrive policy), whose depth alarm calls an operator.",
        });
      }
    }
  }
}

function parkedRedriveCount(spec: QueueSpec): number {
  const count = deadLetterRedriveCount(spec);
  if (count === undefined) throw new Error(`catalog: queue ${spec.id} has no parkAfterReceives`);
  return count;
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
    maxConcurrency: consumerSpec.maximumConcurrency,
    reportBatchItemFailures: true,
  });
  consumer.addEventSource(source);
  const mapping = consumer.node.tryFindChild(`SqsEventSource:${Names.nodeUniqueId(queue.node)}`);
  if (!mapping) throw new Error(`messaging: event-source mapping for ${queue.node.id} not found`);
  acknowledge(mapping, [acknowledgement]);
}
