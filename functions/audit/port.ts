/**
 * The audit port every capability writes through. Two retention classes, as promised to customers:
 * "persistent" (kept for the life of the account) and "short" (7 days, removed by TTL).
 * Details must hold no PII, codes, tokens or full phone numbers (mask them).
 */
export type AuditClass = "persistent" | "short";
export type AuditOutcome = "success" | "failure" | "blocked";

export interface AuditEventInput {
  readonly accountId: string;
  /** Dotted verb, e.g. "auth.login", "apikey.created", "verify.blocked". */
  readonly action: string;
  /** operator: an IAM principal of the operator plane (id = its ARN). */
  readonly actor: {
    readonly type: "user" | "apiKey" | "system" | "anonymous" | "operator";
    readonly id: string;
  };
  readonly outcome: AuditOutcome;
  readonly target?: { readonly type: string; readonly id: string };
  readonly sourceIp?: string;
  readonly userAgent?: string;
  readonly requestId?: string;
  readonly details?: Readonly<Record<string, string | number | boolean>>;
  /** Defaults from the action (see auditClassFor). */
  readonly class?: AuditClass;
}

export interface AuditEvent extends AuditEventInput {
  readonly id: string;
  readonly at: string;
  readonly class: AuditClass;
}

export interface AuditLog {
  record(event: AuditEventInput): Promise<AuditEvent>;
}

export const SHORT_RETENTION_SECONDS = 7 * 24 * 3600;

/** Security-relevant changes are persistent; high-volume operational events are short-lived. */
export function auditClassFor(action: string): AuditClass {
  const shortPrefixes = ["verify.", "message.", "auth.login.failed", "ratelimit."];
  return shortPrefixes.some((prefix) => action.startsWith(prefix)) ? "short" : "persistent";
}
