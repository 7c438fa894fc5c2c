import type { KeyAccess, QueueAccess, QueueSpec, TableAccess } from "./types.ts";

/**
 * The exact IAM actions behind each catalogue access level. Plain data: lib/function-grants.ts
 * grants exactly these on AWS, and the local platform (local/iam/) refuses any SDK call outside
 * them, so a grant that is missing in the catalogue fails locally the way it would on AWS.
 * The lists are CDK's own grantXData/grantXMessages lists (aws-dynamodb perms, sqs-grants) minus
 * what no function calls (streams), plus "readUpdate" (read + UpdateItem, no Put/Delete/Batch).
 */

const TABLE_READ = [
  "dynamodb:BatchGetItem",
  "dynamodb:GetItem",
  "dynamodb:Query",
  "dynamodb:Scan",
  "dynamodb:ConditionCheckItem",
  "dynamodb:DescribeTable",
] as const;
const TABLE_WRITE = [
  "dynamodb:BatchWriteItem",
  "dynamodb:PutItem",
  "dynamodb:UpdateItem",
  "dynamodb:DeleteItem",
  "dynamodb:DescribeTable",
] as const;

const unique = (...lists: readonly (readonly string[])[]): readonly string[] => [...new Set(lists.flat())];

/** DynamoDB actions on the table and (when it has any) its indexes, `<table arn>/index/*`. */
export const TABLE_ACTIONS: Readonly<Record<TableAccess, readonly string[]>> = {
  read: TABLE_READ,
  write: TABLE_WRITE,
  readWrite: unique(TABLE_READ, TABLE_WRITE),
  readUpdate: unique(TABLE_READ, ["dynamodb:UpdateItem"]),
};

const KEY_READ = ["kms:Decrypt", "kms:DescribeKey"] as const;
const KEY_WRITE = ["kms:Encrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*"] as const;

/** KMS actions on the key that encrypts a table at rest (what CDK's grantXData adds). */
export const TABLE_KEY_ACTIONS: Readonly<Record<TableAccess, readonly string[]>> = {
  read: KEY_READ,
  write: unique(KEY_READ, KEY_WRITE),
  readWrite: unique(KEY_READ, KEY_WRITE),
  readUpdate: unique(KEY_READ, KEY_WRITE),
};

const QUEUE_CONSUME = [
  "sqs:ReceiveMessage",
  "sqs:ChangeMessageVisibility",
  "sqs:GetQueueUrl",
  "sqs:DeleteMessage",
  "sqs:GetQueueAttributes",
] as const;

const QUEUE_SEND = ["sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"] as const;

/**
 * SQS actions on the queue; consumeDeadLetters applies them to the queue's DLQ only,
 * operateDeadLetters to its DLQ and parked queue (queueGrantParts says where each list applies).
 * The *Batch calls are authorised by their single-message action (no sqs:SendMessageBatch action).
 */
export const QUEUE_ACTIONS: Readonly<Record<QueueAccess, readonly string[]>> = {
  send: QUEUE_SEND,
  consume: QUEUE_CONSUME,
  // A consumer that re-enqueues its own work (webhook retries with a delay).
  consumeAndSend: [
    ...new Set([...QUEUE_CONSUME, "sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"]),
  ],
  // Depth only: no receive/delete, and no KMS (attributes are not encrypted).
  inspect: ["sqs:GetQueueAttributes"],
  consumeDeadLetters: QUEUE_CONSUME,
  operateDeadLetters: QUEUE_CONSUME,
};

/** KMS actions on the key that encrypts a queue at rest (what CDK's grantXMessages adds). */
export const QUEUE_KEY_ACTIONS: Readonly<Record<QueueAccess, readonly string[]>> = {
  send: ["kms:Decrypt", "kms:Encrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*"],
  consume: ["kms:Decrypt"],
  consumeAndSend: ["kms:Decrypt", "kms:Encrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*"],
  inspect: [],
  consumeDeadLetters: ["kms:Decrypt"],
  // Receives dead letters (decrypt) and sends them back to the work queue (encrypt).
  operateDeadLetters: ["kms:Decrypt", "kms:Encrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*"],
};

/** The parts of one catalogue queue: the work queue, its DLQ and (with parkAfterReceives) its parked queue. */
export type QueuePart = "queue" | "dlq" | "parked";

/** The catalogue id of a queue part, the base of its physical name and env name: sms-otp, sms-otp-dlq, sms-otp-parked. */
export const queuePartId = (queueId: string, part: QueuePart): string =>
  part === "queue" ? queueId : `${queueId}-${part}`;

export interface QueueGrantPart {
  readonly part: QueuePart;
  readonly actions: readonly string[];
}

/**
 * Where a queue grant applies, and which SQS actions on each part: the one answer CDK grants
 * (lib/function-grants.ts), the local IAM policy and the per-function env all follow.
 * operateDeadLetters (the operator's redrive/discard) consumes the DLQ and the parked queue and may
 * only SEND to the work queue: an operator tool never takes work from the live consumers.
 */
export function queueGrantParts(
  access: QueueAccess,
  spec: Pick<QueueSpec, "parkAfterReceives">,
): readonly QueueGrantPart[] {
  if (access === "consumeDeadLetters") return [{ part: "dlq", actions: QUEUE_ACTIONS[access] }];
  if (access === "operateDeadLetters") {
    return [
      { part: "queue", actions: QUEUE_SEND },
      { part: "dlq", actions: QUEUE_ACTIONS[access] },
      ...(spec.parkAfterReceives !== undefined
        ? [{ part: "parked" as const, actions: QUEUE_ACTIONS[access] }]
        : []),
    ];
  }
  return [{ part: "queue", actions: QUEUE_ACTIONS[access] }];
}

/**
 * The exact KMS actions behind each catalogue key grant, no wildcards. `encrypt` includes
 * GenerateDataKey because field-level encryption is envelope encryption (a data key per field set).
 */
export const KMS_ACTIONS: Readonly<Record<KeyAccess, readonly string[]>> = {
  encrypt: ["kms:Encrypt", "kms:GenerateDataKey"],
  decrypt: ["kms:Decrypt"],
  sign: ["kms:Sign"],
  getPublicKey: ["kms:GetPublicKey"],
};
