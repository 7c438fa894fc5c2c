import { carrierQueues } from "./carriers.ts";
import { messagingQueues } from "./messaging.ts";
import { privacyQueues } from "./privacy.ts";
import type { FunctionSpec, QueueAccess, RouteSpec } from "./types.ts";
import { webhookQueues } from "./webhooks.ts";

/**
 * Dead letters of every catalogue queue: the operator lists, redrives (DLQ or parked → work queue)
 * and discards them; it may send to a work queue but never receive from one.
 */
const deadLetterGrants: Readonly<Record<string, QueueAccess>> = Object.fromEntries(
  [...messagingQueues, ...carrierQueues, ...webhookQueues, ...privacyQueues].map((queue) => [
    queue.id,
    "operateDeadLetters",
  ]),
);

/**
 * The operator plane: `/v1/admin/…` routes authorised with AWS IAM (SigV4), called by the `textgate`
 * CLI. Only principals holding the stack's operator policy may call them; customer API keys and
 * user tokens never reach the function. Out of the customer API reference (audience "operators").
 */
export const adminFunctions: readonly FunctionSpec[] = [
  {
    id: "admin",
    purpose:
      "Operator administration: accounts (create, settings, suspend, close), user unlocks, status-page incidents, dead letters (list, redrive, discard)",
    entry: "functions/admin/handler.ts",
    memoryMb: 512,
    timeoutSeconds: 10,
    grants: {
      // accounts: account/user/invitation items; ephemeral: the guessing back-off an unlock clears.
      // status: incidents are created and updated with conditional UpdateItem only (never Put/Delete).
      tables: { accounts: "readWrite", ephemeral: "readWrite", audit: "write", status: "readUpdate" },
      // The invitation token's keyed hash needs the HMAC root secret, which the data key unwraps.
      keys: { data: ["decrypt"] },
      // A new account id is the usageIdentifierKey of its users' tokens (registered with the plan).
      usagePlan: "manage",
      // The owner invitation is emailed to the owner.
      mail: "send",
      queues: deadLetterGrants,
    },
  },
];

const adminRoute = (method: RouteSpec["method"], path: string, summary: string): RouteSpec => ({
  method,
  path: `/v1/admin${path}`,
  function: "admin",
  auth: "iam",
  summary,
  resource: "Admin",
  audience: "operators",
});

export const adminRoutes: readonly RouteSpec[] = [
  adminRoute("POST", "/accounts", "Create an account and invite its owner"),
  adminRoute("GET", "/accounts", "List accounts (cursor pagination)"),
  adminRoute("GET", "/accounts/{accountId}", "Show an account"),
  adminRoute("PATCH", "/accounts/{accountId}", "Change an account's settings"),
  adminRoute("POST", "/accounts/{accountId}/suspend", "Suspend an account (its keys and sessions refused)"),
  adminRoute("POST", "/accounts/{accountId}/reactivate", "Reactivate a suspended account"),
  adminRoute("POST", "/accounts/{accountId}/close", "Close an account (data deleted per retention)"),
  adminRoute("POST", "/accounts/{accountId}/users/{userId}/unlock", "Unlock a user"),
  adminRoute("POST", "/accounts/{accountId}/users/{userId}/reset-mfa", "Reset a user's second factors"),
  adminRoute("POST", "/incidents", "Post an incident on the status page"),
  adminRoute("PATCH", "/incidents/{incidentId}", "Add an update to an open incident"),
  adminRoute("POST", "/incidents/{incidentId}/resolve", "Resolve an incident"),
  adminRoute("GET", "/dead-letters", "Dead-letter and parked counts of every queue"),
  adminRoute("GET", "/dead-letters/{queue}", "Peek at a queue's dead letters (ids only, never bodies)"),
  adminRoute("POST", "/dead-letters/{queue}/redrive", "Move dead letters back to the work queue"),
  adminRoute("POST", "/dead-letters/{queue}/discard", "Delete dead letters (reason required)"),
];
