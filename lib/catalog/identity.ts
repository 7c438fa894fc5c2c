import type { FunctionSpec, RouteSpec } from "./types.ts";

/** Identity and access: login with 2FA, tokens, users, invitations, API keys. Data lives in `accounts`. */

/**
 * Grants for the SMS second factor: it runs the platform's own Verify use cases (store the
 * verification, enqueue the OTP message, encrypt the phone number).
 */
const smsFactorTables = { verifications: "readWrite", messages: "readWrite" } as const;

export const identityFunctions: readonly FunctionSpec[] = [
  {
    id: "auth",
    purpose: "Login (password + second factor), token refresh and logout; signs access tokens",
    entry: "functions/identity/auth-handler.ts",
    // scrypt (N=2^15, r=8 → 32 MiB per hash) wants CPU; 1024 MB gives a full vCPU share of that.
    memoryMb: 1024,
    timeoutSeconds: 10,
    grants: {
      tables: { accounts: "readWrite", ephemeral: "readWrite", audit: "write", ...smsFactorTables },
      queues: { "sms-otp": "send" },
      keys: { signing: ["sign", "getPublicKey"], data: ["encrypt", "decrypt"] },
    },
  },
  {
    id: "account",
    purpose: "Users, invitations, API keys and the signed-in user's second factors",
    entry: "functions/identity/account-handler.ts",
    memoryMb: 1024,
    timeoutSeconds: 10,
    grants: {
      tables: { accounts: "readWrite", ephemeral: "readWrite", audit: "write", ...smsFactorTables },
      queues: { "sms-otp": "send" },
      keys: { data: ["encrypt", "decrypt"] },
      // API key create/rotate/revoke registers key ids with the usage plan (per-key throttle).
      usagePlan: "manage",
      // Invitations are emailed to the invited address (SES from the stage's sender identity).
      mail: "send",
    },
  },
];

const authRoute = (method: RouteSpec["method"], path: string, summary: string): RouteSpec => ({
  method,
  path,
  function: "auth",
  auth: "public",
  summary,
  resource: "Auth",
  // Public and expensive (scrypt): a tight method throttle on top of the per-IP/per-account limits.
  throttle: { rateLimit: 20, burstLimit: 40 },
});

const accountRoute = (
  method: RouteSpec["method"],
  path: string,
  permission: string,
  summary: string,
): RouteSpec => ({
  method,
  path,
  function: "account",
  auth: "authorized",
  permission,
  summary,
  resource: "Account",
});

export const identityRoutes: readonly RouteSpec[] = [
  authRoute("POST", "/v1/auth/login", "Sign in with email and password (may return an MFA challenge)"),
  authRoute("POST", "/v1/auth/mfa", "Complete sign-in with a TOTP, SMS or recovery code"),
  authRoute("POST", "/v1/auth/mfa/sms", "Send an SMS code for a pending sign-in challenge"),
  authRoute("POST", "/v1/auth/refresh", "Exchange a refresh token for a new token pair (rotates it)"),
  {
    method: "POST",
    path: "/v1/auth/logout",
    function: "auth",
    auth: "authorized",
    permission: "session:manage",
    summary: "End the current session (its access token is refused at once on every write route)",
    resource: "Auth",
  },
  {
    method: "POST",
    path: "/v1/account/invitations/accept",
    function: "account",
    auth: "public",
    summary: "Accept an invitation (token-authenticated) and set a password",
    resource: "Account",
    throttle: { rateLimit: 10, burstLimit: 20 },
  },
  accountRoute("GET", "/v1/account/me", "account:read", "The signed-in user"),
  accountRoute("GET", "/v1/account/users", "users:manage", "List the account's users"),
  accountRoute("PATCH", "/v1/account/users/{userId}", "users:manage", "Change a user's role or status"),
  accountRoute(
    "POST",
    "/v1/account/invitations",
    "users:manage",
    "Invite a user by email with a role (the token is emailed to the invitee)",
  ),
  accountRoute("GET", "/v1/account/invitations", "users:manage", "List pending invitations"),
  accountRoute(
    "DELETE",
    "/v1/account/invitations/{invitationId}",
    "users:manage",
    "Revoke a pending invitation",
  ),
  accountRoute("GET", "/v1/account/api-keys", "keys:manage", "List API keys (prefix, scopes, last use)"),
  accountRoute("POST", "/v1/account/api-keys", "keys:manage", "Create an API key (shown once)"),
  accountRoute(
    "POST",
    "/v1/account/api-keys/{keyId}/rotate",
    "keys:manage",
    "Rotate an API key (the old key may keep working for up to 30 s: authorizer cache)",
  ),
  accountRoute(
    "DELETE",
    "/v1/account/api-keys/{keyId}",
    "keys:manage",
    "Revoke an API key (refused everywhere within 30 s: authorizer cache)",
  ),
  accountRoute("POST", "/v1/account/mfa/totp", "profile:manage", "Start authenticator-app enrolment"),
  accountRoute("POST", "/v1/account/mfa/totp/confirm", "profile:manage", "Confirm the app with one code"),
  accountRoute("POST", "/v1/account/mfa/sms", "profile:manage", "Start SMS second-factor enrolment"),
  accountRoute("POST", "/v1/account/mfa/sms/confirm", "profile:manage", "Confirm the SMS second factor"),
  accountRoute(
    "POST",
    "/v1/account/mfa/recovery-codes",
    "profile:manage",
    "Replace the recovery codes (needs a sign-in or re-authentication in the last 5 minutes)",
  ),
  accountRoute(
    "DELETE",
    "/v1/account/mfa/{method}",
    "profile:manage",
    "Remove the authenticator app (totp) or SMS factor (needs a recent sign-in or re-authentication)",
  ),
  accountRoute(
    "POST",
    "/v1/account/reauth",
    "profile:manage",
    "Re-authenticate (current password or second-factor code) before changing second factors",
  ),
  accountRoute(
    "POST",
    "/v1/account/password",
    "profile:manage",
    "Change your password (ends other sessions)",
  ),
];
