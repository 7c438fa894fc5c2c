import type { FunctionSpec, QueueSpec, RouteSpec, TableSpec } from "./types.ts";

/** Send pipeline: accept → queue by priority → dispatch to a carrier → delivery report. */
export const messagingTables: readonly TableSpec[] = [
  {
    id: "accounts",
    purpose: "Accounts, users, API keys (hashes only), carrier routes and balances; composite keys",
    partitionKey: "pk",
    sortKey: "sk",
    ttlAttribute: "expiresAt",
    indexes: [{ name: "gsi1", partitionKey: "gsi1pk", sortKey: "gsi1sk" }],
  },
  {
    id: "messages",
    purpose:
      "SMS messages, one item per message keyed by id (pk=MSG#<id>, sk=MESSAGE; accountId on the item); TTL is the customer's retention period. Idempotency-Key bindings (pk=IDEM#<account>#<key hash>, sk=KEY, 24 h TTL) are written in the same transaction as their message",
    partitionKey: "pk",
    sortKey: "sk",
    ttlAttribute: "expiresAt",
    // carrierRef = <carrierId>#<carrierMessageId>, set once sent: for carriers whose DLRs lack our reference.
    indexes: [{ name: "byCarrierRef", partitionKey: "carrierRef" }],
  },
];

const DISPATCH_TIMEOUT_SECONDS = 10;
/** AWS guidance: visibility timeout at least 6x the consumer's timeout. */
const DISPATCH_VISIBILITY_SECONDS = DISPATCH_TIMEOUT_SECONDS * 6;

const smsQueue = (id: string, purpose: string, batchSize: number, window: number): QueueSpec => ({
  id,
  purpose,
  visibilityTimeoutSeconds: DISPATCH_VISIBILITY_SECONDS,
  maxReceiveCount: 5,
  retentionDays: 4,
  consumer: { function: "dispatch", batchSize, maxBatchingWindowSeconds: window },
  // Settles what the dispatcher never could (crashes, timeouts), so no message stays "queued" forever.
  deadLetterConsumer: { function: "dead-letters", batchSize: 10, maxBatchingWindowSeconds: 0 },
});

export const messagingQueues: readonly QueueSpec[] = [
  smsQueue("sms-otp", "One-time codes: highest priority, never waits behind bulk traffic", 10, 0),
  smsQueue("sms-transactional", "Transactional SMS (priority high/normal)", 10, 0),
  smsQueue("sms-bulk", "Bulk SMS (priority low); batched for throughput", 25, 1),
];

export const messagingFunctions: readonly FunctionSpec[] = [
  {
    id: "authorizer",
    purpose: "Lambda authorizer: API keys (hash lookup) and access tokens (ES256, cached public key)",
    entry: "functions/auth/authorizer.ts",
    memoryMb: 256,
    timeoutSeconds: 5,
    grants: { tables: { accounts: "read" }, keys: { signing: ["getPublicKey"] } },
  },
  {
    id: "send",
    purpose:
      "POST /v1/messages: validate, store encrypted with its Idempotency-Key binding (one transaction), enqueue by priority",
    entry: "functions/messages/send-handler.ts",
    memoryMb: 512,
    timeoutSeconds: 10,
    grants: {
      // No ephemeral table any more: the Idempotency-Key binding lives with the message.
      tables: { accounts: "readWrite", messages: "readWrite" },
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
      tables: { messages: "readWrite", accounts: "read" },
      // webhooks: status changes publish webhook events (functions/messages/status-events.ts).
      queues: {
        "sms-otp": "consume",
        "sms-transactional": "consume",
        "sms-bulk": "consume",
        webhooks: "send",
      },
      keys: { data: ["decrypt"] },
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
      tables: { messages: "readWrite", accounts: "read" },
      queues: {
        "sms-otp": "consumeDeadLetters",
        "sms-transactional": "consumeDeadLetters",
        "sms-bulk": "consumeDeadLetters",
        webhooks: "send",
      },
      // Carrier API tokens are sealed with the data key: the reconciliation lookup needs them.
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
      tables: { messages: "readWrite", accounts: "read" },
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
  },
  {
    method: "GET",
    path: "/v1/messages/{id}",
    function: "messages-read",
    auth: "authorized",
    permission: "messages:read",
    summary: "Get a message and its delivery status",
  },
  {
    method: "POST",
    path: "/v1/carriers/{carrierId}/dlr",
    function: "dlr",
    auth: "public",
    summary: "Delivery report callback from a carrier (Standard Webhooks signature)",
    throttle: { rateLimit: 500, burstLimit: 1000 },
  },
];
