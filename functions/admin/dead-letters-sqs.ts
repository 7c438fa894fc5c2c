import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
} from "@aws-sdk/client-sqs";
import { functionSpec, queuePartId, queueSpec } from "../../lib/catalog/index.ts";
import { sqsClient } from "../shared/aws.ts";
import { queueUrl } from "../shared/config.ts";
import type { DeadLetterQueues, DeadLetterSource, ReceivedDeadLetter } from "./dead-letters.ts";

/** The DeadLetterQueues port on SQS: the queues this function's operateDeadLetters grants name. */

const optionalNumber = (value: string | undefined): number | undefined =>
  value === undefined || Number.isNaN(Number(value)) ? undefined : Number(value);

function toDeadLetter(message: Message): ReceivedDeadLetter | undefined {
  if (!message.MessageId || !message.ReceiptHandle) return undefined;
  const sentAt = optionalNumber(message.Attributes?.SentTimestamp);
  const firstReceivedAt = optionalNumber(message.Attributes?.ApproximateFirstReceiveTimestamp);
  return {
    sqsMessageId: message.MessageId,
    receiptHandle: message.ReceiptHandle,
    body: message.Body ?? "",
    receiveCount: optionalNumber(message.Attributes?.ApproximateReceiveCount) ?? 1,
    ...(sentAt !== undefined ? { sentAt } : {}),
    ...(firstReceivedAt !== undefined ? { firstReceivedAt } : {}),
  };
}

/** Batch entry ids must be unique within a call and at most 80 of [A-Za-z0-9_-]. */
const entries = <T>(items: readonly T[]) => items.map((item, index) => ({ item, id: `r${index}` }));

export function sqsDeadLetterQueues(functionId = "admin"): DeadLetterQueues {
  const granted = Object.entries(functionSpec(functionId).grants.queues ?? {})
    .filter(([, access]) => access === "operateDeadLetters")
    .map(([queueId]) => ({ queueId, parked: queueSpec(queueId).parkAfterReceives !== undefined }));
  const urlOf = (queueId: string, source: DeadLetterSource) => queueUrl(queuePartId(queueId, source));

  return {
    queues: () => granted,

    async depth(queueId, source) {
      const { Attributes } = await sqsClient().send(
        new GetQueueAttributesCommand({
          QueueUrl: urlOf(queueId, source),
          AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        }),
      );
      return {
        waiting: optionalNumber(Attributes?.ApproximateNumberOfMessages) ?? 0,
        inFlight: optionalNumber(Attributes?.ApproximateNumberOfMessagesNotVisible) ?? 0,
      };
    },

    async receive(queueId, source, visibilitySeconds) {
      const { Messages } = await sqsClient().send(
        new ReceiveMessageCommand({
          QueueUrl: urlOf(queueId, source),
          MaxNumberOfMessages: 10,
          VisibilityTimeout: visibilitySeconds,
          // A 1 s long poll asks every SQS server (a short poll samples some and may answer empty
          // while records wait); an empty answer ends the peek or move, so it costs 1 s once.
          WaitTimeSeconds: 1,
          MessageSystemAttributeNames: [
            "ApproximateReceiveCount",
            "SentTimestamp",
            "ApproximateFirstReceiveTimestamp",
          ],
        }),
      );
      return (Messages ?? []).flatMap((message) => toDeadLetter(message) ?? []);
    },

    async release(queueId, source, receiptHandles) {
      for (let start = 0; start < receiptHandles.length; start += 10) {
        await sqsClient().send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: urlOf(queueId, source),
            Entries: entries(receiptHandles.slice(start, start + 10)).map(({ item, id }) => ({
              Id: id,
              ReceiptHandle: item,
              VisibilityTimeout: 0,
            })),
          }),
        );
      }
    },

    async sendToWorkQueue(queueId, records) {
      if (records.length === 0) return new Set();
      const batch = entries(records);
      const { Successful } = await sqsClient().send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl(queueId),
          Entries: batch.map(({ item, id }) => ({ Id: id, MessageBody: item.body })),
        }),
      );
      const sentIds = new Set((Successful ?? []).map((entry) => entry.Id));
      return new Set(batch.filter(({ id }) => sentIds.has(id)).map(({ item }) => item.sqsMessageId));
    },

    async remove(queueId, source, records) {
      if (records.length === 0) return new Set();
      const batch = entries(records);
      const { Successful } = await sqsClient().send(
        new DeleteMessageBatchCommand({
          QueueUrl: urlOf(queueId, source),
          Entries: batch.map(({ item, id }) => ({ Id: id, ReceiptHandle: item.receiptHandle })),
        }),
      );
      const deletedIds = new Set((Successful ?? []).map((entry) => entry.Id));
      return new Set(batch.filter(({ id }) => deletedIds.has(id)).map(({ item }) => item.sqsMessageId));
    },
  };
}
