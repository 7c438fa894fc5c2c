import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { sqsClient } from "../shared/aws.ts";
import { queueUrl } from "../shared/config.ts";
import type { MessageQueue } from "./model.ts";
import type { QueuedMessageRecord } from "./views.ts";

/** The sms-* queues: the body carries the message id only, never the number or the text. */
export function sqsMessageQueue(): MessageQueue {
  return {
    async enqueue(queue, messageId, delaySeconds = 0) {
      const body: QueuedMessageRecord = { v: 1, messageId };
      await sqsClient().send(
        new SendMessageCommand({
          QueueUrl: queueUrl(queue),
          MessageBody: JSON.stringify(body),
          ...(delaySeconds > 0 ? { DelaySeconds: Math.min(900, delaySeconds) } : {}),
        }),
      );
    },
  };
}
