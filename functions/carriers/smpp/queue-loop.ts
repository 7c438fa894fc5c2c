import { DeleteMessageCommand, type Message, ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { queuedMessageRecord } from "../../messages/views.ts";
import { sqsClient } from "../../shared/aws.ts";
import { logger } from "../../shared/logger.ts";
import type { ConnectorOutcome } from "./service.ts";

/**
 * The connector's own SQS queue (sms-smpp), long-polled. A record is deleted once its message is
 * settled (sent, failed, expired, gone, done already); "retry-later" leaves it to come back after
 * the visibility timeout, when the lease of the attempt that could not finish has run out.
 * At most `maxInFlight` messages are being submitted at once (the binds' windows do the rest).
 */
export interface QueueLoopOptions {
  readonly queueUrl: string;
  readonly submit: (messageId: string) => Promise<ConnectorOutcome>;
  readonly maxInFlight?: number;
  readonly waitSeconds?: number;
}

export interface RunningLoop {
  stop(): Promise<void>;
}

export function startQueueLoop(options: QueueLoopOptions): RunningLoop {
  const maxInFlight = options.maxInFlight ?? 100;
  const inFlight = new Set<Promise<void>>();
  let stopping = false;
  const abort = new AbortController();

  const handle = async (record: Message): Promise<void> => {
    let parsed: ReturnType<typeof queuedMessageRecord.safeParse>;
    try {
      parsed = queuedMessageRecord.safeParse(JSON.parse(record.Body ?? ""));
    } catch {
      parsed = queuedMessageRecord.safeParse(undefined);
    }
    try {
      if (!parsed.success) {
        logger.error("smpp queue: unreadable record dropped", { sqsMessageId: record.MessageId });
      } else {
        const outcome = await options.submit(parsed.data.messageId);
        logger.info("smpp record done", { messageId: parsed.data.messageId, outcome });
        if (outcome === "retry-later") return;
      }
      await sqsClient().send(
        new DeleteMessageCommand({ QueueUrl: options.queueUrl, ReceiptHandle: record.ReceiptHandle }),
      );
    } catch (error) {
      // Left in the queue: it comes back after the visibility timeout (and the DLQ after 5 receives).
      logger.error("smpp record failed", { sqsMessageId: record.MessageId, error: String(error) });
    }
  };

  const loop = (async () => {
    while (!stopping) {
      if (inFlight.size >= maxInFlight) {
        await Promise.race(inFlight);
        continue;
      }
      let records: Message[] = [];
      try {
        const answer = await sqsClient().send(
          new ReceiveMessageCommand({
            QueueUrl: options.queueUrl,
            MaxNumberOfMessages: Math.min(10, maxInFlight - inFlight.size),
            WaitTimeSeconds: options.waitSeconds ?? 10,
            MessageSystemAttributeNames: ["ApproximateReceiveCount"],
          }),
          { abortSignal: abort.signal },
        );
        records = answer.Messages ?? [];
      } catch (error) {
        if (stopping) break;
        logger.warn("smpp queue receive failed", { error: String(error) });
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
      for (const record of records) {
        const task = handle(record).finally(() => inFlight.delete(task));
        inFlight.add(task);
      }
    }
  })();

  return {
    async stop() {
      stopping = true;
      abort.abort();
      await loop;
      await Promise.allSettled([...inFlight]);
    },
  };
}
