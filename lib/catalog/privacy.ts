import type { FunctionSpec, IndexSpec, QueueSpec, RouteSpec, TableSpec } from "./types.ts";

/**
 * Data-subject requests (GDPR art. 15 and 17): exports and erasures of everything an account holds
 * about one phone number, found through the HMAC blind index (never by decrypting every number).
 */

/**
 * Sparse GSIs on messages and verifications: partition key `numberKey` = <accountId>#<blind index>,
 * written when the item is created. Items created before the index existed have no numberKey; they
 * are not found by exports or erasures and leave by their own TTL (messages: the account's retention;
 * verifications: code expiry + 24 h) — docs/privacy.md says so to customers.
 */
export const NUMBER_INDEX = {
  // Keys only: a status update (which never changes numberKey) writes nothing to it; exports and
  // erasures read the base items by the keys it returns (functions/privacy/store.ts). "-keys": the
  // projection of "byNumber" (all attributes) could not be changed in place (README, deploy notes).
  name: "byNumber-keys",
  partitionKey: "numberKey",
  projection: { type: "keys" },
} as const satisfies IndexSpec;

export const privacyTables: readonly TableSpec[] = [
  {
    id: "privacy",
    purpose:
      "Data-subject requests: erasure receipts (pk=ERASURE#<id>; no phone number, kept for the life of the account) and large exports (pk=EXPORT#<id>, sk=PART#<n>; sealed with the field key, 24 h TTL)",
    partitionKey: "pk",
    sortKey: "sk",
    ttlAttribute: "expiresAt",
  },
];

const ERASER_TIMEOUT_SECONDS = 300;

export const privacyQueues: readonly QueueSpec[] = [
  {
    id: "privacy-erasures",
    purpose:
      "Erasure requests ({erasureId, accountId, blind index}; never a phone number), worked off the request by privacy-eraser",
    // AWS guidance: at least 6x the consumer's timeout.
    visibilityTimeoutSeconds: ERASER_TIMEOUT_SECONDS * 6,
    // The eraser is idempotent (each delete counts once, conditionally), so a retry resumes the work.
    maxReceiveCount: 5,
    retentionDays: 4,
    consumer: {
      function: "privacy-eraser",
      batchSize: 1,
      maxBatchingWindowSeconds: 0,
      // Erasures are rare; the minimum Lambda allows keeps them from competing with sends.
      maximumConcurrency: 2,
    },
  },
];

export const privacyFunctions: readonly FunctionSpec[] = [
  {
    id: "privacy",
    purpose:
      "POST/GET /v1/privacy/exports and /v1/privacy/erasures: exports a number's data, accepts erasures and serves their signed receipts",
    entry: "functions/privacy/handler.ts",
    memoryMb: 1024,
    timeoutSeconds: 29,
    grants: {
      // accounts: the live role check and the HMAC root (blind index); messages and verifications
      // are only read (through the byNumber index) for exports.
      tables: {
        privacy: "readWrite",
        messages: "read",
        verifications: "read",
        accounts: "read",
        audit: "write",
      },
      queues: { "privacy-erasures": "send" },
      // decrypt: message texts and the HMAC root; encrypt: large exports are stored sealed.
      keys: { data: ["encrypt", "decrypt"] },
    },
  },
  {
    id: "privacy-eraser",
    purpose:
      "SQS consumer: deletes a number's messages (with SMPP parts and Idempotency-Key bindings) and verifications (with pointers and bindings), then signs the receipt",
    entry: "functions/privacy/eraser-handler.ts",
    memoryMb: 512,
    timeoutSeconds: ERASER_TIMEOUT_SECONDS,
    grants: {
      tables: { privacy: "readWrite", messages: "readWrite", verifications: "readWrite", audit: "write" },
      queues: { "privacy-erasures": "consume" },
      // The receipt is signed with the platform signing key (the key that signs access tokens).
      keys: { signing: ["sign", "getPublicKey"] },
    },
  },
];

const privacyRoute = (method: "GET" | "POST", path: string, summary: string): RouteSpec => ({
  method,
  path,
  function: "privacy",
  auth: "authorized",
  permission: "privacy:manage",
  summary,
  resource: "Privacy",
});

export const privacyRoutes: readonly RouteSpec[] = [
  privacyRoute("POST", "/v1/privacy/exports", "Export everything held about a phone number (GDPR art. 15)"),
  privacyRoute("GET", "/v1/privacy/exports/{exportId}", "Fetch a large export (kept 24 h)"),
  privacyRoute("POST", "/v1/privacy/erasures", "Erase everything held about a phone number (GDPR art. 17)"),
  privacyRoute("GET", "/v1/privacy/erasures/{erasureId}", "Erasure receipt: status, counts and signature"),
];
