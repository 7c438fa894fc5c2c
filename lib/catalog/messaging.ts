import { NUMBER_INDEX } from "./privacy.ts";
import type { FunctionGrants, FunctionSpec, QueueSpec, RouteSpec, TableSpec } from "./types.ts";
import { OUTBOX_INDEX } from "./webhooks.ts";

/** Send pipeline: accept → queue by priority → dispatch to a carrier → delivery report. */
export const messagingTables: readonly TableSpec[] = [
  {
    id: "accounts",
    purpose: "Accounts, users, API keys (hashes only), carrier routes and balances; composite keys",
    partitionKey: "pk",
    sortKey: "sk",
    ttlAttribute: "expiresAt",
    // No item carries gsi1pk yet (nothing writes or reads it), so its projection costs nothing; a
    // first reader picks the projection it needs under a new name (a projection cannot change in place).
    indexes: [{ name: "gsi1", partitionKey: "gsi1pk", sortKey: "gsi1sk", projection: { type: "all" } }],
  },
  {
    id: "messages",
    purpose:
      "SMS messages, one item per message keyed by id (pk=MSG#<id>, sk=MESSAGE; accountId on the item); TTL is the customer's retention period. Idempotency-Key bindings (pk=IDEM#<account>#<key hash>, sk=KEY, 24 h TTL) are written in the same transaction as their message",
    partitionKey: "pk",
    sortKey: "sk",
    ttlAttribute: "expiresAt",
    // No index by carrier message id: every delivery report names our message (HTTP carriers echo the
    // reference, AWS End User Messaging returns the Context we sent, SMPP receipts resolve through the
    // connector's SMPPID# items), so such an index only cost a write unit per sent SMS.
    // outbox: webhook events a status change still owes (lib/catalog/webhooks.ts).
    // numberKey = <accountId>#<blind index of the number>: a data subject's messages (privacy.ts).
    indexes: [OUTBOX_INDEX, NUMBER_INDEX],
  },
];

const DISPATCH_TIMEOUT_SECONDS = 10;
/** AWS guidance: visibility timeout at least 6x the consumer's timeout. */
const DISPATCH_VISIBILITY_SECONDS = DISPATCH_TIMEOUT_SECONDS * 6;

/** How long one connector attempt owns a message (claim lease), and the queue's visibility. */
export const SMPP_LEASE_SECONDS = 120;
const SMPP_VISIBILITY_SECONDS = SMPP_LEASE_SECONDS + 60;

/**
 * Concurrency caps of the queue consumers (event-source mapping MaximumConcurrency). Every SQS
 * consumer together stays at or below 20 + 20 + 5 + 3 x 2 = 51 concurrent executions, far below
 * the default account limit of 1,000, so a backlog can never starve the authorizer, send and verify
 * (which would answer 5xx). Bulk gets the least: 5 x 25 messages per batch still drains thousands
 * of SMS a minute, and OTP/transactional keep their own, larger share. Reserved concurrency on the
 * API functions was not used: it is also a ceiling (it would throttle the API at its own peak) and
 * it takes from the pool every other function shares.
 */
export const consumerConcurrency = { otp: 20, transactional: 20, bulk: 5, deadLetters: 2 } as const;

const smsQueue = (
  id: string,
  purpose: string,
  consumer: { batchSize: number; window: number; maximumConcurrency: number },
): QueueSpec => ({
  id,
  purpose,
  visibilityTimeoutSeconds: DISPATCH_VISIBILITY_SECONDS,
  maxReceiveCount: 5,
  retentionDays: 4,
  consumer: {
    function: "dispatch",
    batchSize: consumer.batchSize,
    maxBatchingWindowSeconds: consumer.window,
    maximumConcurrency: consumer.maximumConcurrency,
  },
  // Settles what the dispatcher never could (crashes, timeouts), so no message stays "queued" forever.
  deadLetterConsumer: {
    function: "dead-letters",
    batchSize: 10,
    maxBatchingWindowSeconds: 0,
    // The minimum Lambda allows: dead letters are rare and never urgent enough to compete with sends.
    maximumConcurrency: consumerConcurrency.deadLetters,
  },
  // At least ten tries a minute apart outlast a dead attempt's lease and a short carrier or DynamoDB
  // outage; what still cannot be settled then waits, parked, for an operator.
  parkAfterReceives: 10,
});

export const messagingQueues: readonly QueueSpec[] = [
  smsQueue("sms-otp", "One-time codes: highest priority, never waits behind bulk traffic", {
    batchSize: 10,
    window: 0,
    maximumConcurrency: consumerConcurrency.otp,
  }),
  smsQueue("sms-transactional", "Transactional SMS (priority high/normal)", {
    batchSize: 10,
    window: 0,
    maximumConcurrency: consumerConcurrency.transactional,
  }),
  smsQueue("sms-bulk", "Bulk SMS (priority low); batched for throughput", {
    batchSize: 25,
    window: 1,
    maximumConcurrency: consumerConcurrency.bulk,
  }),
  {
    id: "sms-smpp",
    purpose:
      "SMS for direct carrier binds: read by the long-lived SMPP connector (ECS service on AWS, a child process locally), not by a Lambda",
    // Longer than the connector's lease (SMPP_LEASE_SECONDS), so a redelivery finds the lease over
    // and resumes the attempt instead of waiting behind it.
    visibilityTimeoutSeconds: SMPP_VISIBILITY_SECONDS,
    maxReceiveCount: 5,
    retentionDays: 4,
  },
];

/** What the SMPP connector service (ECS, not a Lambda) may touch: granted by lib/smpp-connector-construct.ts. */
export const smppConnectorGrants: FunctionGrants = {
  // carrier-quality: ADD counters of submits and receipts (UpdateItem only).
  // webhooks (table): who subscribes to a status event (functions/webhooks/subscriptions.ts).
  tables: { messages: "readWrite", "carrier-quality": "readUpdate", webhooks: "read" },
  // webhooks: its status changes publish webhook events like every message state store.
  queues: { "sms-smpp": "consume", webhooks: "send" },
  keys: { data: ["decrypt"] },
};

export const messagingFunctions: readonly FunctionSpec[] = [
  {
    id: "authorizer",
    purpose: "Lambda authorizer: API keys (hash lookup) and access tokens (ES256, cached public key)",
    entry: "functions/auth/authorizer.ts",
    memoryMb: 256,
    timeoutSeconds: 5,
    // readUpdate: UpdateItem stamps an API key's lastUsedAt (at most hourly per key); no Put/Delete.
    grants: { tables: { accounts: "readUpdate" }, keys: { signing: ["getPublicKey"] } },
  },
  {
    id: "send",
    purpose:
      "POST /v1/messages: validate, store encrypted with its Idempotency-Key binding (one transaction), enqueue by priority",
    entry: "functions/messages/send-handler.ts",
    memoryMb: 512,
    timeoutSeconds: 10,
    grants: {
      // accounts: the sender's account, the HMAC root and the live-session check; it never changes an account.
      // ephemeral: only the per-account daily message counter (UpdateItem ADD); the Idempotency-Key
      // binding lives with the message.
      // audit: sends the account's policy refuses are audited (message.blocked, send-refusals.ts).
      tables: { accounts: "read", messages: "readWrite", ephemeral: "readUpdate", audit: "write" },
      queues: { "sms-otp": "send", "sms-transactional": "send", "sms-bulk": "send" },
      keys: { data: ["encrypt", "decrypt"] },
    },
  },
  {
    id: "messages-read",
    purpose: "GET /v1/messages/{id}",
    entry: "functions/messages/get-handler.ts",
    memoryMb: 256,
    timeoutSeconds: 5,
    grants: { tables: { messages: "read" } },
  },
  {
    id: "dispatch",
    purpose: "SQS consumer: submits each message to a carrier exactly once",
    entry: "functions/dispatch/handler.ts",
    memoryMb: 512,
    timeoutSeconds: DISPATCH_TIMEOUT_SECONDS,
    grants: {
      tables: {
        messages: "readWrite",
        accounts: "read",
        "carrier-quality": "readUpdate",
        // webhooks: who subscribes to a status event (functions/webhooks/subscriptions.ts).
        webhooks: "read",
      },
      queues: {
        // consumeAndSend: while every carrier for a message is down, a delayed copy of its record
        // goes back on its own queue (functions/dispatch/deferral.ts).
        "sms-otp": "consumeAndSend",
        "sms-transactional": "consumeAndSend",
        "sms-bulk": "consumeAndSend",
        // Messages routed to an SMPP carrier go on to the connector's queue.
        "sms-smpp": "send",
        // Status changes publish webhook events (functions/messages/status-events.ts).
        webhooks: "send",
      },
      keys: { data: ["decrypt"] },
      smsVoice: "send",
    },
    // Sender shown when a message has no `from` (an alphanumeric id; some countries replace it).
    environment: { TEXTGATE_DEFAULT_SENDER: "Textgate" },
  },
  {
    id: "dead-letters",
    purpose:
      "SQS consumer of the SMS DLQs: reconciles or fails messages the dispatcher gave up on, so their status tells the truth",
    entry: "functions/dispatch/dead-letter-handler.ts",
    memoryMb: 256,
    timeoutSeconds: DISPATCH_TIMEOUT_SECONDS,
    grants: {
      // carrier-quality: a settlement (failed, or sent on the carrier's word) counts in the carrier's
      // figures like the dispatcher's outcomes (ADD counters, UpdateItem only).
      tables: { messages: "readWrite", accounts: "read", "carrier-quality": "readUpdate", webhooks: "read" },
      queues: {
        "sms-otp": "consumeDeadLetters",
        "sms-transactional": "consumeDeadLetters",
        "sms-bulk": "consumeDeadLetters",
        webhooks: "send",
      },
      // Carrier API tokens are sealed with the field key (id data): the reconciliation lookup needs them.
      keys: { data: ["decrypt"] },
    },
  },
  {
    id: "dlr",
    purpose: "Carrier delivery reports (signed callbacks) → message status",
    entry: "functions/dlr/handler.ts",
    memoryMb: 256,
    timeoutSeconds: 5,
    grants: {
      tables: { messages: "readWrite", accounts: "read", "carrier-quality": "readUpdate", webhooks: "read" },
      queues: { webhooks: "send" },
      keys: { data: ["decrypt"] },
    },
  },
];

export const messagingRoutes: readonly RouteSpec[] = [
  {
    method: "POST",
    path: "/v1/messages",
    function: "send",
    auth: "authorized",
    permission: "messages:send",
    summary: "Send an SMS",
    resource: "Messages",
  },
  {
    method: "GET",
    path: "/v1/messages/{id}",
    function: "messages-read",
    auth: "authorized",
    permission: "messages:read",
    summary: "Get a message and its delivery status",
    resource: "Messages",
  },
  {
    method: "POST",
    path: "/v1/carriers/{carrierId}/dlr",
    function: "dlr",
    auth: "public",
    summary: "Delivery report callback from a carrier (Standard Webhooks signature)",
    resource: "Messages",
    // Deployed for carriers, not part of the customer API reference.
    audience: "carriers",
    throttle: { rateLimit: 500, burstLimit: 1000 },
  },
];
