import type { FunctionSpec, RouteSpec, ScheduleSpec, TableSpec } from "./types.ts";

/**
 * Public status page: a prober records one probe per component per minute; the status function
 * turns those records into current state, uptime and the 99.8 % SLO's error budget.
 */
export const statusTables: readonly TableSpec[] = [
  {
    id: "status",
    purpose:
      "Status probes: pk=component, sk=minute (ISO, YYYY-MM-DDTHH:MMZ) plus per-day tallies (sk=DAY#YYYY-MM-DD); incidents: pk=INCIDENT, sk=incident id; TTL 90 days (incidents: after resolution)",
    partitionKey: "pk",
    sortKey: "sk",
    ttlAttribute: "expiresAt",
  },
];

/** The SMS queues whose backlog the prober watches (GetQueueAttributes only). */
const PROBED_QUEUES = ["sms-otp", "sms-transactional", "sms-bulk"] as const;

export const statusFunctions: readonly FunctionSpec[] = [
  {
    id: "status-probe",
    purpose:
      "Scheduled every minute: probes storage, the SMS queues and carrier delivery (24 h figures against agreed rates), records one probe per component",
    entry: "functions/status/probe-handler.ts",
    memoryMb: 256,
    // Well under the 1-minute rate: a run never overlaps the next one.
    timeoutSeconds: 20,
    grants: {
      // carrier-quality: the "Carrier delivery" component reads the 24 h quality figures.
      tables: { accounts: "read", "carrier-quality": "read", status: "readWrite" },
      queues: Object.fromEntries(PROBED_QUEUES.map((id) => [id, "inspect" as const])),
    },
  },
  {
    id: "status",
    purpose: "GET /status and /status.json: public status page (state, uptime, SLO error budget, incidents)",
    entry: "functions/status/handler.ts",
    memoryMb: 256,
    timeoutSeconds: 10,
    grants: { tables: { status: "read" } },
  },
];

// Public and unauthenticated: a tighter throttle than the stage default keeps probe-table reads bounded.
const statusThrottle = { rateLimit: 50, burstLimit: 100 };

export const statusRoutes: readonly RouteSpec[] = [
  {
    method: "GET",
    path: "/status.json",
    function: "status",
    auth: "public",
    summary: "Platform status: component states, uptime (24 h, 7 d, 30 d) and the SLO error budget",
    resource: "Status",
    throttle: statusThrottle,
  },
  {
    method: "GET",
    path: "/status",
    function: "status",
    auth: "public",
    summary: "Status page (HTML)",
    resource: "Status",
    throttle: statusThrottle,
  },
];

export const statusSchedules: readonly ScheduleSpec[] = [
  {
    id: "status-probe-every-minute",
    purpose: "Records one status probe per component per minute",
    function: "status-probe",
    rateMinutes: 1,
  },
];
