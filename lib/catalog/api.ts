/**
 * API-wide throttles (requests per second, burst), read by the CDK stack (stage throttling, usage
 * plan) and by the local gateway, so both enforce the same numbers. Per-route overrides live on the
 * routes (RouteSpec.throttle).
 */
export const apiThrottles = {
  /** Stage default: every caller together, per method. */
  stage: { rateLimit: 200, burstLimit: 400 },
  /** Usage plan: per usageIdentifierKey the authorizer returns. */
  perKey: { rateLimit: 50, burstLimit: 100 },
} as const;

/**
 * What the authorizer's cached result is keyed on. The source IP is part of it because API keys may
 * carry an IP allow-list: a result cached for an allowed address must not serve another address.
 */
export const authorizerIdentity = {
  header: "Authorization",
  includeSourceIp: true,
  cacheTtlSeconds: 30,
} as const;

/**
 * The resource a route belongs to: the API reference groups operations by it (OpenAPI tags), so a
 * customer finds "Messages" or "Account", never a Lambda function's name.
 */
export const apiResources = {
  Messages: "Send SMS and follow their delivery",
  Verifications: "Phone-number verification with one-time codes",
  Auth: "Sign-in with a second factor, token refresh and logout",
  Account: "The signed-in user, users, invitations, API keys and second factors",
  Audit: "The account's audit trail",
  Webhooks: "Delivery-status callbacks to your endpoints",
  Privacy: "Data-subject requests: export or erase what is held about a phone number",
  Status: "Service health, the public status page and this reference",
  Admin: "Operator administration (AWS IAM signed; not in the customer reference)",
} as const;
