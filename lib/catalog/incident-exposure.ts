import type { FunctionSpec, RouteSpec } from "./types.ts";

/**
 * Incident exposure query for operators (docs/runbooks/incident-response.md): which accounts and
 * data classes a compromised key, user, carrier or function could reach in a time window. Its own
 * function so that only it, not the operator plane's writer, may read messages and verifications.
 */
export const incidentExposureFunctions: readonly FunctionSpec[] = [
  {
    id: "incident-exposure",
    purpose:
      "POST /v1/admin/incidents/exposure: scans messages, verifications and credentials in a window; counts per account and data class",
    entry: "functions/admin/exposure-handler.ts",
    memoryMb: 512,
    // API Gateway's integration limit is 29 s; the use case stops starting scan pages after 15 s.
    timeoutSeconds: 28,
    grants: {
      // Read-only on what it counts; it never decrypts (samples are the stored masks), so no key grant.
      // audit: "readWrite" because it both records the query (Put) and reads a user's actions (Query).
      tables: { messages: "read", verifications: "read", accounts: "read", audit: "readWrite" },
    },
  },
];

export const incidentExposureRoutes: readonly RouteSpec[] = [
  {
    method: "POST",
    path: "/v1/admin/incidents/exposure",
    function: "incident-exposure",
    auth: "iam",
    summary:
      "Incident exposure: affected accounts, data classes and counts for a key, user, carrier, function or all",
    resource: "Admin",
    audience: "operators",
  },
];
