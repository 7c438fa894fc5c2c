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
