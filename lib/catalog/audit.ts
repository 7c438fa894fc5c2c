import type { FunctionSpec, RouteSpec, TableSpec } from "./types.ts";

/** Audit log: persistent class (no TTL) and 7-day class (TTL). */
export const auditTables: readonly TableSpec[] = [
  {
    id: "audit",
    purpose: "Audit events per account; only the 7-day class carries expiresAt",
    partitionKey: "pk",
    sortKey: "sk",
    ttlAttribute: "expiresAt",
  },
];

export const auditFunctions: readonly FunctionSpec[] = [
  {
    id: "audit",
    purpose: "GET /v1/audit/events",
    entry: "functions/audit/handler.ts",
    memoryMb: 256,
    timeoutSeconds: 5,
    grants: { tables: { audit: "read" } },
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
];
