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
  /** The caller's User-Agent header, truncated by the writer (never parsed, never trusted). */
  readonly userAgent?: string;
  readonly requestId?: string;
  readonly details?: Readonly<Record<string, string | number | boolean>>;
  /** Defaults from the action's rule (functions/audit/rules.ts). */
  readonly class?: AuditClass;
}

export interface AuditEvent extends AuditEventInput {
  readonly id: string;
  readonly at: string;
  readonly class: AuditClass;
}

/**
 * A stored event: a link of its account's chain for its class (docs/audit.md, "Tamper evidence").
 * `hash` is SHA-256 over the canonical form of every other field, `prevHash` included.
 */
export interface ChainedAuditEvent extends AuditEvent {
  /** Position in the (account, class) chain, from 1. */
  readonly seq: number;
  readonly prevHash: string;
  readonly hash: string;
}

export interface AuditLog {
  record(event: AuditEventInput): Promise<AuditEvent>;
}

export const SHORT_RETENTION_SECONDS = 7 * 24 * 3600;
