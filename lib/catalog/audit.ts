import type { FunctionSpec, RouteSpec, ScheduleSpec, TableSpec } from "./types.ts";

/**
 * Audit log (docs/audit.md): one hash chain per account and retention class. Items of one account
 * partition: events (sk = at#class#seq), the chain heads (CHAIN#class), the signed daily digests
 * (DIGEST#date); day markers (pk = AUDIT_DAY#date) list the accounts the daily digest covers.
 */
export const auditTables: readonly TableSpec[] = [
  {
    id: "audit",
    purpose:
      "Audit events per account in hash chains (persistent, short), chain heads, signed daily digests; only short-class events and day markers carry expiresAt",
    partitionKey: "pk",
    sortKey: "sk",
    ttlAttribute: "expiresAt",
  },
];

export const auditFunctions: readonly FunctionSpec[] = [
  {
    id: "audit",
    purpose:
      "GET /v1/audit/events, /verify (re-walks the chains, checks signed digests), /export (JSON Lines)",
    entry: "functions/audit/handler.ts",
    memoryMb: 256,
    // verify re-reads a whole account's chains: up to API Gateway's 29 s integration limit.
    timeoutSeconds: 28,
    // readWrite: export records audit.exported; getPublicKey: verify checks the digest signatures.
    grants: { tables: { audit: "readWrite" }, keys: { signing: ["getPublicKey"] } },
  },
  {
    id: "audit-digest",
    purpose:
      "Scheduled hourly: signs yesterday's digest (chain heads) of each account with events that day, once per day",
    entry: "functions/audit/digest-handler.ts",
    memoryMb: 256,
    timeoutSeconds: 300,
    grants: { tables: { audit: "readWrite" }, keys: { signing: ["sign", "getPublicKey"] } },
  },
];

export const auditRoutes: readonly RouteSpec[] = [
  {
    method: "GET",
    path: "/v1/audit/events",
    function: "audit",
    auth: "authorized",
    permission: "audit:read",
    summary: "List audit events",
    resource: "Audit",
  },
  {
    method: "GET",
    path: "/v1/audit/verify",
    function: "audit",
    auth: "authorized",
    permission: "audit:read",
    summary: "Verify the audit hash chains and the signed daily digests",
    resource: "Audit",
  },
  {
    method: "GET",
    path: "/v1/audit/export",
    function: "audit",
    auth: "authorized",
    permission: "audit:read",
    summary: "Export audit events as JSON Lines (oldest first; next page cursor in Textgate-Next-Cursor)",
    resource: "Audit",
  },
];

export const auditSchedules: readonly ScheduleSpec[] = [
  {
    id: "audit-digest-hourly",
    // Hourly, idempotent per day: the first run after midnight UTC signs, later runs find it signed.
    purpose: "Signs the previous UTC day's audit digest of each account with events that day",
    function: "audit-digest",
    rateMinutes: 60,
  },
];
