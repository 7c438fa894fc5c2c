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
// A consumer that re-enqueues its own work (webhook retries with a delay).
const QUEUE_CONSUME_AND_SEND = unique(QUEUE_CONSUME, QUEUE_SEND);

/**
 * SQS actions of each access on its main part (queueGrantParts says which parts a grant reaches and
 * which list applies on each). The *Batch calls are authorised by their single-message action (no
 * sqs:SendMessageBatch action).
 */
export const QUEUE_ACTIONS: Readonly<Record<QueueAccess, readonly string[]>> = {
  send: QUEUE_SEND,
  consume: QUEUE_CONSUME,
  consumeAndSend: QUEUE_CONSUME_AND_SEND,
  // On the work queue; its DLQ gets QUEUE_ACTIONS.send (see queueGrantParts).
  consumeRetryAndDeadLetter: QUEUE_CONSUME_AND_SEND,
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
  consumeRetryAndDeadLetter: ["kms:Decrypt", "kms:Encrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*"],
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

/** One SQS resource a queue grant reaches, with the actions on it and on the key that encrypts it. */
export interface QueueGrantPart {
  readonly part: QueuePart;
  readonly actions: readonly string[];
  readonly keyActions: readonly string[];
}

/**
 * Where a queue grant applies, and which SQS and KMS actions on each part: the one answer CDK
 * grants (lib/function-grants.ts), the local IAM policy and the per-function env all follow.
 * - consumeDeadLetters: the DLQ only (its consumer has no business with the work queue);
 * - consumeRetryAndDeadLetter: the work queue, and SendMessage on its DLQ (a consumer that moves
 *   what it gives up on to the DLQ itself);
 * - operateDeadLetters (the operator's redrive/discard): consumes the DLQ and the parked queue and
 *   may only SEND to the work queue: an operator tool never takes work from the live consumers;
 * - every other access: the work queue only.
 */
export function queueGrantParts(
  access: QueueAccess,
  spec: Pick<QueueSpec, "parkAfterReceives">,
): readonly QueueGrantPart[] {
  const on = (part: QueuePart, kind: QueueAccess): QueueGrantPart => ({
    part,
    actions: QUEUE_ACTIONS[kind],
    keyActions: QUEUE_KEY_ACTIONS[kind],
  });
  switch (access) {
    case "consumeDeadLetters":
      return [on("dlq", access)];
    case "consumeRetryAndDeadLetter":
      return [on("queue", access), on("dlq", "send")];
    case "operateDeadLetters":
      return [
        on("queue", "send"),
        on("dlq", access),
        ...(spec.parkAfterReceives !== undefined ? [on("parked", access)] : []),
      ];
    default:
      return [on("queue", access)];
  }
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
