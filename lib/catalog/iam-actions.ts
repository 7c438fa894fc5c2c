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
export const QUEUE_ACTIONS: Readonly<Record<QueueAccess, readonly string[]>> = {
  send: ["sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"],
  consume: QUEUE_CONSUME,
  // A consumer that re-enqueues its own work (webhook retries with a delay).
  consumeAndSend: [
    ...new Set([...QUEUE_CONSUME, "sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"]),
  ],
  // Depth only: no receive/delete, and no KMS (attributes are not encrypted).
  inspect: ["sqs:GetQueueAttributes"],
  consumeDeadLetters: QUEUE_CONSUME,
};

/** KMS actions on the key that encrypts a queue at rest (what CDK's grantXMessages adds). */
export const QUEUE_KEY_ACTIONS: Readonly<Record<QueueAccess, readonly string[]>> = {
  send: ["kms:Decrypt", "kms:Encrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*"],
  consume: ["kms:Decrypt"],
  consumeAndSend: ["kms:Decrypt", "kms:Encrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*"],
  inspect: [],
  consumeDeadLetters: ["kms:Decrypt"],
};

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
