import type { FunctionSpec, IndexSpec, QueueSpec, RouteSpec, ScheduleSpec, TableSpec } from "./types.ts";

/**
 * Customer webhooks (Standard Webhooks): endpoints and their history in one table, one queue that
 * carries both published events (fanned out per endpoint) and per-endpoint delivery attempts.
 */
export const webhookTables: readonly TableSpec[] = [
  {
    id: "webhooks",
    purpose:
      "Webhook endpoints (pk=ACC#<account>, sk=WH#<id>; sealed signing secrets), the account signing secret for messages' callbackUrl (pk=ACC#<account>, sk=SIGNING; sealed), per-event payloads for replay (pk=EVT#<event>, sk=WH#<id>), delivery attempts (pk=WH#<id>, sk=DLV#<id>) and per-endpoint concurrency slots; history and payloads expire after 30 days",
    partitionKey: "pk",
    sortKey: "sk",
    ttlAttribute: "expiresAt",
  },
];

/** Short on purpose: a slow customer holds a sender slot for at most this long. */
export const WEBHOOK_SEND_TIMEOUT_SECONDS = 5;
const SENDER_TIMEOUT_SECONDS = 30;

export const webhookQueues: readonly QueueSpec[] = [
  {
    id: "webhooks",
    purpose:
      "Webhook events to fan out and per-endpoint delivery attempts; retries are re-enqueued with a delay (schedule over a day). The DLQ holds dead events (the sender moves a delivery there after its last attempt; a redrive tries it once more) and records of a crashing sender",
    visibilityTimeoutSeconds: SENDER_TIMEOUT_SECONDS * 6,
    maxReceiveCount: 5,
    retentionDays: 4,
    // The cap keeps webhook traffic from taking the account's Lambda concurrency; per-endpoint
    // slots (functions/webhooks/slots.ts) keep one slow customer from taking all of it.
    consumer: {
      function: "webhook-sender",
      batchSize: 10,
      maxBatchingWindowSeconds: 0,
      maximumConcurrency: 5,
    },
  },
];

export const webhookFunctions: readonly FunctionSpec[] = [
  {
    id: "webhooks",
    purpose: "Manage webhook endpoints (owners and admins), list delivery attempts, replay one",
    entry: "functions/webhooks/handler.ts",
    memoryMb: 256,
    timeoutSeconds: 10,
    grants: {
      // accounts: the live session and role check (requireLiveUser) on every management route.
      tables: { webhooks: "readWrite", accounts: "read", audit: "write" },
      queues: { webhooks: "send" },
      keys: { data: ["encrypt", "decrypt"] },
    },
  },
  {
    id: "webhook-sender",
    purpose:
      "SQS consumer: fans events out to subscribed endpoints and posts signed deliveries (SSRF-checked at every send)",
    entry: "functions/webhooks/sender-handler.ts",
    memoryMb: 256,
    timeoutSeconds: SENDER_TIMEOUT_SECONDS,
    grants: {
      // accounts: the owners to email when an endpoint is disabled.
      tables: { webhooks: "readWrite", audit: "write", accounts: "read" },
      // Consumes and re-enqueues retries with a delay on the same queue; moves dead events to its DLQ.
      queues: { webhooks: "consumeRetryAndDeadLetter" },
      // encrypt: the account signing secret for callbackUrl deliveries is created on first use.
      keys: { data: ["encrypt", "decrypt"] },
      mail: "send",
    },
  },
];

/**
 * The transactional outbox of webhook events: status writes on messages and verifications record
 * their event as pending on the item (sparse GSI "outbox", see functions/webhooks/outbox.ts); the
 * sweeper publishes what the publisher did not, and marks expired verifications (verification.expired).
 */
export const OUTBOX_INDEX = {
  // Keys only: updates of an item that is in the outbox (a verification's check attempts until its
  // expiry) write nothing to it; the sweeper reads the due items themselves (functions/webhooks/outbox.ts).
  name: "outbox-keys",
  partitionKey: "outboxShard",
  sortKey: "outboxDueAt",
  projection: { type: "keys" },
} as const satisfies IndexSpec;

export const webhookOutboxFunctions: readonly FunctionSpec[] = [
  {
    id: "webhook-outbox",
    purpose:
      "Scheduled every minute: publishes webhook events still pending after a failed enqueue, and marks pending verifications past their expiry as expired (verification.expired)",
    entry: "functions/webhooks/outbox-handler.ts",
    memoryMb: 256,
    // Well under the 1-minute rate.
    timeoutSeconds: 50,
    grants: {
      // readUpdate: queries the outbox index, then conditional UpdateItem only (expire, clear).
      tables: { messages: "readUpdate", verifications: "readUpdate" },
      queues: { webhooks: "send" },
    },
  },
];

export const webhookOutboxSchedules: readonly ScheduleSpec[] = [
  {
    id: "webhook-outbox-every-minute",
    purpose: "Re-publishes pending webhook events and expires overdue verifications",
    function: "webhook-outbox",
    rateMinutes: 1,
  },
];

const webhookRoute = (method: RouteSpec["method"], path: string, summary: string): RouteSpec => ({
  method,
  path,
  function: "webhooks",
  auth: "authorized",
  permission: "webhooks:manage",
  summary,
  resource: "Webhooks",
});

export const webhookRoutes: readonly RouteSpec[] = [
  webhookRoute(
    "POST",
    "/v1/account/webhooks",
    "Register a webhook endpoint (its whsec_ secret is shown once)",
  ),
  webhookRoute("GET", "/v1/account/webhooks", "List webhook endpoints"),
  webhookRoute("GET", "/v1/account/webhooks/{webhookId}", "Get a webhook endpoint"),
  webhookRoute(
    "PATCH",
    "/v1/account/webhooks/{webhookId}",
    "Change a webhook's url, events or enabled state",
  ),
  webhookRoute("DELETE", "/v1/account/webhooks/{webhookId}", "Delete a webhook endpoint"),
  webhookRoute(
    "POST",
    "/v1/account/webhooks/{webhookId}/rotate-secret",
    "New signing secret (shown once); the old one keeps signing too for 24 h",
  ),
  webhookRoute(
    "POST",
    "/v1/account/webhooks/signing-secret",
    "New account signing secret for messages' callbackUrl (shown once); the old one keeps signing for 24 h",
  ),
  webhookRoute(
    "GET",
    "/v1/account/webhooks/{webhookId}/deliveries",
    "Delivery attempts (event, attempt, status code or error, latency), newest first",
  ),
  webhookRoute(
    "POST",
    "/v1/account/webhooks/{webhookId}/deliveries/{deliveryId}/replay",
    "Send one delivery's event again",
  ),
];
