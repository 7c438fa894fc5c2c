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
