import { NUMBER_INDEX } from "./privacy.ts";
import type { FunctionSpec, RouteSpec, TableSpec } from "./types.ts";
import { OUTBOX_INDEX } from "./webhooks.ts";

/** Verify API: OTP phone verification with a fraud guard. */
export const verifyTables: readonly TableSpec[] = [
  {
    id: "verifications",
    purpose: "Verifications (code stored only as a keyed HMAC); TTL = expiry + grace",
    partitionKey: "pk",
    ttlAttribute: "expiresAt",
    // outbox: pending API verifications until their expiry, and outcome events still owed.
    // numberKey = <accountId>#<blind index> on verification items (not pointers or bindings).
    indexes: [OUTBOX_INDEX, NUMBER_INDEX],
  },
];

export const verifyFunctions: readonly FunctionSpec[] = [
  {
    id: "verify",
    purpose: "Start, check, cancel and read verifications",
    entry: "functions/verify/handler.ts",
    memoryMb: 512,
    timeoutSeconds: 10,
    grants: {
      tables: {
        verifications: "readWrite",
        ephemeral: "readWrite",
        accounts: "read",
        messages: "readWrite",
        // webhooks: who subscribes to the OTP message's status events (functions/webhooks/subscriptions.ts).
        webhooks: "read",
        audit: "write",
      },
      // webhooks: verification.approved / verification.failed events.
      queues: { "sms-otp": "send", webhooks: "send" },
      keys: { data: ["encrypt", "decrypt"] },
    },
    // Read by functions/verify/service.ts. Set VERIFY_REQUIRE_TLS to "true" once the deployment has
    // TLS-capable carrier routes: OTP texts then never travel over a plain-text carrier link.
    environment: { VERIFY_DEFAULT_EXPIRY_SECONDS: "600", VERIFY_REQUIRE_TLS: "false" },
  },
];

const verifyRoute = (
  method: "GET" | "POST",
  path: string,
  permission: string,
  summary: string,
): RouteSpec => ({
  method,
  path,
  function: "verify",
  auth: "authorized",
  permission,
  summary,
  resource: "Verifications",
});

export const verifyRoutes: readonly RouteSpec[] = [
  verifyRoute("POST", "/v1/verifications", "verify:write", "Start a phone verification (sends an OTP)"),
  verifyRoute("GET", "/v1/verifications/{id}", "verify:read", "Get a verification"),
  verifyRoute("POST", "/v1/verifications/{id}/checks", "verify:write", "Check a code"),
  verifyRoute("POST", "/v1/verifications/{id}/cancel", "verify:write", "Cancel a verification"),
];
