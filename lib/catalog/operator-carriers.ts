import type { FunctionSpec, RouteSpec } from "./types.ts";

/**
 * The operator plane's carrier routes (`textgate carriers …`), AWS IAM (SigV4) signed like every
 * /v1/admin route. Their own function, because their grants differ from the accounts side
 * (admin): they write carrier records and seal carrier secrets, and read the quality figures.
 * Operator test sends have a function of their own (admin-carrier-tests): storing and submitting a
 * message takes grants the other carrier routes must not have.
 */
export const operatorCarrierFunctions: readonly FunctionSpec[] = [
  {
    id: "admin-carriers",
    purpose:
      "Operator carrier routes: list with 24 h / 7 d quality figures, add, change, disable, quality report",
    entry: "functions/carriers/admin/handler.ts",
    memoryMb: 256,
    timeoutSeconds: 10,
    grants: {
      // accounts: carrier records (pk=CARRIER) are put (add) and updated (change, disable).
      // carrier-quality: the figures of every listed carrier. audit: the operator log.
      tables: { accounts: "readWrite", "carrier-quality": "read", audit: "write" },
      // An http carrier's API token and DLR secret are sealed with the field key as they arrive.
      keys: { data: ["encrypt"] },
    },
  },
  {
    id: "admin-carrier-tests",
    purpose:
      "Operator test sends: a message through one pinned carrier to a given number or its probe numbers",
    entry: "functions/carriers/admin/test-send-handler.ts",
    memoryMb: 256,
    timeoutSeconds: 30,
    grants: {
      // What the scheduled carrier-test-sends holds (store like send, submit like dispatch), plus
      // the operator log.
      tables: {
        accounts: "read",
        messages: "readWrite",
        "carrier-quality": "readUpdate",
        audit: "write",
        webhooks: "read",
      },
      queues: { "sms-smpp": "send", webhooks: "send" },
      keys: { data: ["encrypt", "decrypt"] },
      smsVoice: "send",
    },
    environment: { TEXTGATE_DEFAULT_SENDER: "Textgate" },
  },
];

const carrierRoute = (
  method: RouteSpec["method"],
  path: string,
  summary: string,
  fn = "admin-carriers",
): RouteSpec => ({
  method,
  path: `/v1/admin/carriers${path}`,
  function: fn,
  auth: "iam",
  summary,
  resource: "Admin",
  audience: "operators",
});

export const operatorCarrierRoutes: readonly RouteSpec[] = [
  carrierRoute("GET", "", "List carrier routes with 24 h / 7 d quality figures (no secrets)"),
  carrierRoute(
    "POST",
    "",
    "Add a carrier route (the carriers-file entry shape; http secrets sealed at once)",
  ),
  carrierRoute("PATCH", "/{carrierId}", "Change a carrier route (or rotate an http carrier's secrets)"),
  carrierRoute("POST", "/{carrierId}/disable", "Disable a carrier route (routing skips it)"),
  carrierRoute(
    "POST",
    "/{carrierId}/test",
    "Send a test message through this carrier (pinned) to a number or its probe numbers",
    "admin-carrier-tests",
  ),
  carrierRoute("GET", "/{carrierId}/quality", "Quality report of a carrier (24 h and 7 d, per prefix)"),
];
