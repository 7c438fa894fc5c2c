import type { FunctionSpec, RouteSpec, ScheduleSpec } from "./types.ts";

/**
 * Retention (issue 13): the owner's settings routes (served by the account function) and the
 * scheduled purge that deletes what retention says is over (functions/retention/).
 */
export const retentionFunctions: readonly FunctionSpec[] = [
  {
    id: "retention-purge",
    purpose:
      "Scheduled hourly: deletes expired messages and verifications, removes expired bodies per each account's current retention, erases closed accounts' data after deleteDataAfter",
    entry: "functions/retention/purge-handler.ts",
    memoryMb: 256,
    timeoutSeconds: 300,
    grants: {
      // messages/verifications: scan, delete, REMOVE textCipher. accounts: settings, the resume
      // cursor, a closed account's identity items. webhooks: a closed account's endpoints and
      // signing secret. audit: account.data.deleted.
      tables: {
        messages: "readWrite",
        verifications: "readWrite",
        accounts: "readWrite",
        webhooks: "readWrite",
        audit: "write",
      },
    },
  },
];

export const retentionRoutes: readonly RouteSpec[] = [
  {
    method: "GET",
    path: "/v1/account/settings",
    function: "account",
    auth: "authorized",
    permission: "settings:manage",
    summary: "Account settings: retention and the bounds it may take (owner)",
    resource: "Account",
  },
  {
    method: "PATCH",
    path: "/v1/account/settings",
    function: "account",
    auth: "authorized",
    permission: "settings:manage",
    summary: "Change retention within the operator's bounds (owner; audited; applies to existing data)",
    resource: "Account",
  },
];

export const retentionSchedules: readonly ScheduleSpec[] = [
  {
    id: "retention-purge-hourly",
    purpose: "Deletes data past its retention (TTL can lag two days) and closed accounts' data",
    function: "retention-purge",
    rateMinutes: 60,
  },
];
