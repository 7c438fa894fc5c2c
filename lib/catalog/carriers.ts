import type { FunctionSpec, QueueSpec, ScheduleSpec, TableSpec } from "./types.ts";

/**
 * Carrier edges that are not HTTP routes: AWS End User Messaging SMS delivery events reach us through
 * configuration set → SNS → this SQS queue (lib/carriers-construct.ts), never through API Gateway, so
 * a delivery report costs one SQS message instead of a second REST request per SMS. Locally the
 * carrier simulator writes the same event JSON to the same queue.
 */
export const AWS_SMS_EVENTS_QUEUE = "aws-sms-events";
export const AWS_SMS_EVENTS_FUNCTION = "aws-sms-events";

/**
 * The SMS event types the configuration set forwards: the ones that can settle a message
 * (functions/dlr/aws-sms-events.ts maps each). Queued and pending events would only cost an SNS
 * publish, an SQS message and a consumer run each, to be ignored. TEXT_SUCCESSFUL stays although,
 * where a handset receipt follows, it is a non-final event (isFinal=false) costing one publish and
 * one SQS message: for destinations without handset receipts it is the only final event
 * (isFinal=true, "delivered"), and an event destination cannot filter on isFinal.
 */
export const AWS_SMS_EVENT_TYPES = [
  "TEXT_DELIVERED",
  "TEXT_SUCCESSFUL",
  "TEXT_BLOCKED",
  "TEXT_CARRIER_BLOCKED",
  "TEXT_PROTECT_BLOCKED",
  "TEXT_SPAM",
  "TEXT_INVALID",
  "TEXT_INVALID_MESSAGE",
  "TEXT_TTL_EXPIRED",
  "TEXT_UNREACHABLE",
  "TEXT_CARRIER_UNREACHABLE",
  "TEXT_UNKNOWN",
] as const;

const EVENTS_TIMEOUT_SECONDS = 5;

export const carrierQueues: readonly QueueSpec[] = [
  {
    id: AWS_SMS_EVENTS_QUEUE,
    purpose: "AWS End User Messaging SMS delivery events (configuration set → SNS, raw delivery)",
    // AWS guidance: visibility at least 6x the consumer's timeout.
    visibilityTimeoutSeconds: EVENTS_TIMEOUT_SECONDS * 6,
    maxReceiveCount: 5,
    retentionDays: 4,
    // Delivery events are small and batched; a few concurrent consumers keep up with any send rate.
    consumer: {
      function: AWS_SMS_EVENTS_FUNCTION,
      batchSize: 10,
      maxBatchingWindowSeconds: 1,
      maximumConcurrency: 5,
    },
  },
];

/** Carrier quality figures (functions/carriers/quality/stats-store.ts): hourly ADD counters. */
export const carrierTables: readonly TableSpec[] = [
  {
    id: "carrier-quality",
    purpose:
      "Carrier quality: pk=CARRIER#<carrierId>, sk=<YYYY-MM-DDTHH>#<country>; submit, delivery, TLS and error-code counters and a time-to-DLR histogram per hour; TTL 8 days",
    partitionKey: "pk",
    sortKey: "sk",
    ttlAttribute: "expiresAt",
  },
];

export const carrierFunctions: readonly FunctionSpec[] = [
  {
    id: AWS_SMS_EVENTS_FUNCTION,
    purpose: "SQS consumer of AWS End User Messaging SMS delivery events → message status",
    entry: "functions/dlr/aws-sms-events-handler.ts",
    memoryMb: 256,
    timeoutSeconds: EVENTS_TIMEOUT_SECONDS,
    grants: {
      tables: { messages: "readWrite", "carrier-quality": "readUpdate", webhooks: "read" },
      // webhooks: status changes publish webhook events (functions/messages/status-events.ts).
      queues: { [AWS_SMS_EVENTS_QUEUE]: "consume", webhooks: "send" },
    },
  },
  {
    id: "carrier-test-sends",
    purpose:
      "Scheduled: proactive test messages to each carrier's operator-configured test numbers, through that carrier; their outcome and time to DLR feed the carrier quality figures",
    entry: "functions/carriers/quality/test-sends-handler.ts",
    memoryMb: 256,
    timeoutSeconds: 60,
    grants: {
      // Stores each test message like the send function and submits it like the dispatcher.
      tables: { accounts: "read", messages: "readWrite", "carrier-quality": "readUpdate", webhooks: "read" },
      queues: { "sms-smpp": "send", webhooks: "send" },
      keys: { data: ["encrypt", "decrypt"] },
      smsVoice: "send",
    },
    environment: { TEXTGATE_DEFAULT_SENDER: "Textgate" },
  },
];

export const carrierSchedules: readonly ScheduleSpec[] = [
  {
    id: "carrier-test-sends-hourly",
    purpose: "Sends one test message per configured test number of each carrier, every hour",
    function: "carrier-test-sends",
    rateMinutes: 60,
  },
];
