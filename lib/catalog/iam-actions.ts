import type { KeyAccess, QueueAccess, TableAccess } from "./types.ts";

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

/**
 * SQS actions on the queue; consumeDeadLetters applies them to the queue's DLQ only. The *Batch
 * calls are authorised by their single-message action (there is no sqs:SendMessageBatch action).
 */
const QUEUE_SEND = ["sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"] as const;
// A consumer that re-enqueues its own work (webhook retries with a delay).
const QUEUE_CONSUME_AND_SEND = unique(QUEUE_CONSUME, QUEUE_SEND);

export const QUEUE_ACTIONS: Readonly<Record<QueueAccess, readonly string[]>> = {
  send: QUEUE_SEND,
  consume: QUEUE_CONSUME,
  consumeAndSend: QUEUE_CONSUME_AND_SEND,
  // On the work queue; its DLQ gets QUEUE_ACTIONS.send (see queueGrantTargets).
  consumeRetryAndDeadLetter: QUEUE_CONSUME_AND_SEND,
  // Depth only: no receive/delete, and no KMS (attributes are not encrypted).
  inspect: ["sqs:GetQueueAttributes"],
  consumeDeadLetters: QUEUE_CONSUME,
};

/** KMS actions on the key that encrypts a queue at rest (what CDK's grantXMessages adds). */
export const QUEUE_KEY_ACTIONS: Readonly<Record<QueueAccess, readonly string[]>> = {
  send: ["kms:Decrypt", "kms:Encrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*"],
  consume: ["kms:Decrypt"],
  consumeAndSend: ["kms:Decrypt", "kms:Encrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*"],
  consumeRetryAndDeadLetter: ["kms:Decrypt", "kms:Encrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*"],
  inspect: [],
  consumeDeadLetters: ["kms:Decrypt"],
};

/** One SQS resource a queue grant reaches: the work queue or its DLQ, with the actions on it. */
export interface QueueGrantTarget {
  readonly deadLetterQueue: boolean;
  readonly actions: readonly string[];
  /** On the key that encrypts the queue at rest. */
  readonly keyActions: readonly string[];
}

/**
 * What a queue grant reaches: consumeDeadLetters the DLQ only; consumeRetryAndDeadLetter the work
 * queue and SendMessage on its DLQ; every other access the work queue only. CDK grants
 * (lib/function-grants.ts), the local IAM policy and the env names all follow this.
 */
export function queueGrantTargets(access: QueueAccess): readonly QueueGrantTarget[] {
  const on = (deadLetterQueue: boolean, kind: QueueAccess): QueueGrantTarget => ({
    deadLetterQueue,
    actions: QUEUE_ACTIONS[kind],
    keyActions: QUEUE_KEY_ACTIONS[kind],
  });
  if (access === "consumeDeadLetters") return [on(true, access)];
  if (access === "consumeRetryAndDeadLetter") return [on(false, access), on(true, "send")];
  return [on(false, access)];
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
