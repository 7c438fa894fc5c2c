import type { FunctionSpec, KeySpec, RouteSpec, TableSpec } from "./types.ts";

/** Resources every capability shares: keys, the short-lived table, health and docs. */
/**
 * The field key: functions/shared/crypto.ts seals fields with it (envelope encryption). Its id stays
 * "data" (logical id and alias unchanged) so fields sealed before the key split stay readable.
 */
export const FIELD_KEY_ID = "data";

/**
 * One key per purpose, so a grant for one purpose is not a grant for another: reading a table
 * (table key) does not open sealed fields (field key), and the log and alarm services get a key that
 * protects neither.
 */
export const platformKeys: readonly KeySpec[] = [
  {
    id: FIELD_KEY_ID,
    purpose:
      "Field-level envelope encryption only: phone numbers, message bodies, TOTP seeds, carrier tokens, the HMAC root. Used only by functions granted it.",
    usage: "ENCRYPT_DECRYPT",
    keySpec: "SYMMETRIC_DEFAULT",
    alias: "alias/textgate/data",
  },
  {
    id: "tables",
    // Queues share it: every function that sends or consumes a queue also holds a grant on a table,
    // so a queue key of its own would add a key (and its cost) without narrowing anyone's access.
    purpose: "Encrypts DynamoDB tables (and their replicas) and SQS queues at rest",
    encryptsAtRest: ["tables", "queues"],
    usage: "ENCRYPT_DECRYPT",
    keySpec: "SYMMETRIC_DEFAULT",
    alias: "alias/textgate/tables",
  },
  {
    id: "logs",
    purpose:
      "Encrypts CloudWatch log groups and the alarm topic; the logs and CloudWatch services may use it, no function is granted it",
    encryptsAtRest: ["logs", "alarms"],
    usage: "ENCRYPT_DECRYPT",
    keySpec: "SYMMETRIC_DEFAULT",
    alias: "alias/textgate/logs",
  },
  {
    id: "signing",
    purpose: "Signs access tokens (ES256); verifiers use the cached public key",
    usage: "SIGN_VERIFY",
    keySpec: "ECC_NIST_P256",
    alias: "alias/textgate/signing",
  },
];

export const platformTables: readonly TableSpec[] = [
  {
    id: "ephemeral",
    purpose: "Idempotency records, rate-limit counters and other short-lived state",
    partitionKey: "pk",
    ttlAttribute: "expiresAt",
  },
];

export const platformFunctions: readonly FunctionSpec[] = [
  {
    id: "health",
    purpose: "Liveness probe",
    entry: "functions/health/handler.ts",
    memoryMb: 128,
    timeoutSeconds: 3,
    grants: {},
  },
  {
    id: "bootstrap",
    purpose: "Deploy-time custom resource: creates the HMAC root secret (encrypted) once",
    entry: "functions/bootstrap/handler.ts",
    memoryMb: 256,
    timeoutSeconds: 30,
    grants: { tables: { accounts: "write" }, keys: { data: ["encrypt"] } },
  },
  {
    id: "docs",
    purpose: "OpenAPI 3.1 document (generated from the zod schemas) and the offline API reference page",
    entry: "functions/docs/handler.ts",
    memoryMb: 256,
    timeoutSeconds: 5,
    grants: {},
  },
];

export const platformRoutes: readonly RouteSpec[] = [
  {
    method: "GET",
    path: "/health",
    function: "health",
    auth: "public",
    summary: "Liveness probe",
    resource: "Status",
  },
  {
    method: "GET",
    path: "/openapi.json",
    function: "docs",
    auth: "public",
    summary: "OpenAPI 3.1 document",
    resource: "Status",
  },
  {
    method: "GET",
    path: "/docs",
    function: "docs",
    auth: "public",
    summary: "API reference page (HTML)",
    resource: "Status",
  },
];
