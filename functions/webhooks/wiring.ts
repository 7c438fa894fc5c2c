import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { envNames } from "../../lib/catalog/env.ts";
import { WEBHOOK_SEND_TIMEOUT_SECONDS } from "../../lib/catalog/webhooks.ts";
import { dynamoAuditLog } from "../audit/store.ts";
import { sqsClient } from "../shared/aws.ts";
import { systemClock } from "../shared/clock.ts";
import { queueUrl } from "../shared/config.ts";
import { fieldCipher } from "../shared/crypto.ts";
import { mailerFromEnv } from "../shared/mail.ts";
import { dynamoAccountSecrets } from "./dynamo-account-secret.ts";
import { dynamoEndpointStore } from "./dynamo-endpoints.ts";
import { dynamoDeliveryLog, dynamoEventPayloads, dynamoSlotPool } from "./dynamo-history.ts";
import { mailOwnerNotifier } from "./notify.ts";
import type { DeadLetters, DeliveryQueue, WebhookDeps } from "./ports.ts";
import { pinnedPoster } from "./post.ts";
import type { SsrfPolicy } from "./ssrf.ts";

/** Concurrent sends to one endpoint, across all sender invocations. */
export const SLOTS_PER_ENDPOINT = 2;

/** Loopback receivers only where the local platform set its flag (never on AWS). */
export const ssrfPolicyFromEnv = (env: NodeJS.ProcessEnv = process.env): SsrfPolicy => ({
  allowLoopback: env[envNames.localWebhookLoopback] === "1",
});

export function sqsDeliveryQueue(): DeliveryQueue {
  return {
    async enqueue(record, delaySeconds) {
      await sqsClient().send(
        new SendMessageCommand({
          QueueUrl: queueUrl("webhooks"),
          MessageBody: JSON.stringify(record),
          ...(delaySeconds > 0 ? { DelaySeconds: Math.min(900, Math.ceil(delaySeconds)) } : {}),
        }),
      );
    },
  };
}

export function sqsDeadLetters(): DeadLetters {
  return {
    async deadLetter(record) {
      await sqsClient().send(
        new SendMessageCommand({ QueueUrl: queueUrl("webhooks-dlq"), MessageBody: JSON.stringify(record) }),
      );
    },
  };
}

let shared: WebhookDeps | undefined;

/** Production wiring, built on first use (cold start does no I/O). */
export function webhookDeps(): WebhookDeps {
  if (!shared) {
    const ssrf = ssrfPolicyFromEnv();
    shared = {
      clock: systemClock,
      endpoints: dynamoEndpointStore(fieldCipher()),
      accountSecrets: dynamoAccountSecrets(fieldCipher(), () => systemClock.now()),
      deliveries: dynamoDeliveryLog(),
      payloads: dynamoEventPayloads(),
      slots: dynamoSlotPool(SLOTS_PER_ENDPOINT),
      queue: sqsDeliveryQueue(),
      deadLetters: sqsDeadLetters(),
      audit: dynamoAuditLog(systemClock),
      notify: mailOwnerNotifier(mailerFromEnv()),
      ssrf,
      post: pinnedPoster(ssrf, WEBHOOK_SEND_TIMEOUT_SECONDS * 1000),
      random: Math.random,
    };
  }
  return shared;
}
