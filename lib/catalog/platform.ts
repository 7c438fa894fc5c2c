import type { FunctionSpec, KeySpec, RouteSpec, TableSpec } from "./types.ts";

/** Resources every capability shares: keys, the short-lived table, health and docs. */
export const platformKeys: readonly KeySpec[] = [
  {
    id: "data",
    purpose: "Encrypts tables, queues, logs and field-level data (phone numbers, message bodies)",
    usage: "ENCRYPT_DECRYPT",
    keySpec: "SYMMETRIC_DEFAULT",
    alias: "alias/textgate/data",
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
