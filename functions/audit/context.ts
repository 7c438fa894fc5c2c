import type { Principal } from "../shared/principal.ts";
import { DomainError } from "../shared/problem.ts";
import type { AuditClass, AuditEventInput, AuditLog, AuditOutcome } from "./port.ts";

/**
 * Builds audit inputs from what a request knows (who, from where) plus what happened, so every use
 * case writes the same shape instead of hand-copying "user did X on target" records.
 */

/** Where a request came from: every audited use case receives this from its handler. */
export interface RequestMeta {
  readonly sourceIp: string;
  readonly requestId: string;
  readonly userAgent?: string | undefined;
}

/** The three facts the HTTP chain gives every handler (functions/shared/http.ts HttpRequest). */
export const requestMetaOf = (request: {
  readonly sourceIp: string;
  readonly requestId: string;
  readonly userAgent?: string | undefined;
}): RequestMeta => ({
  sourceIp: request.sourceIp,
  requestId: request.requestId,
  ...(request.userAgent ? { userAgent: request.userAgent } : {}),
});

export type AuditActor = AuditEventInput["actor"];

export const userActor = (userId: string): AuditActor => ({ type: "user", id: userId });
/** A signed-in user or an API key, as the authorizer named it. */
export const principalActor = (principal: Pick<Principal, "type" | "principalId">): AuditActor => ({
  type: principal.type,
  id: principal.principalId,
});
export const operatorActor = (arn: string): AuditActor => ({ type: "operator", id: arn });
/** A caller who proved nothing yet is known only by the address it called from. */
export const anonymousActor = (sourceIp: string): AuditActor => ({ type: "anonymous", id: sourceIp });
export const systemActor = (component: string): AuditActor => ({ type: "system", id: component });

/** A User-Agent is caller-controlled: bounded so one request cannot bloat the audit table. */
export const MAX_USER_AGENT_LENGTH = 256;

export interface AuditedAction {
  readonly accountId: string;
  /** Dotted verb, lower case (the listing's action filter accepts [a-z.] only). */
  readonly action: string;
  /** Default "success". */
  readonly outcome?: AuditOutcome;
  readonly target?: { readonly type: string; readonly id: string };
  readonly details?: AuditEventInput["details"];
  readonly class?: AuditClass;
}

/** One audit input: who (actor), where from (meta, when there was a request), what (action). */
export function auditInput(
  actor: AuditActor,
  meta: Partial<RequestMeta> | undefined,
  what: AuditedAction,
): AuditEventInput {
  return {
    accountId: what.accountId,
    action: what.action,
    actor,
    outcome: what.outcome ?? "success",
    ...(what.target ? { target: what.target } : {}),
    ...(meta?.sourceIp ? { sourceIp: meta.sourceIp } : {}),
    ...(meta?.userAgent ? { userAgent: meta.userAgent.slice(0, MAX_USER_AGENT_LENGTH) } : {}),
    ...(meta?.requestId ? { requestId: meta.requestId } : {}),
    ...(what.details && Object.keys(what.details).length > 0 ? { details: what.details } : {}),
    ...(what.class ? { class: what.class } : {}),
  };
}

/**
 * Runs a limit check; when it refuses the request (429 rate-limited), records one short-class
 * `ratelimit.<limit>` event in the account, then lets the refusal through unchanged. One event per
 * blocked request: the account's owners see who is being throttled, for 7 days.
 */
export async function auditRateLimitBlock<T>(
  check: () => Promise<T>,
  block: {
    readonly audit: AuditLog;
    readonly accountId: string;
    /** Lower-case dotted name of the limit, e.g. "login", "verify.send". */
    readonly limit: string;
    readonly actor: AuditActor;
    readonly meta: Partial<RequestMeta> | undefined;
    readonly target?: { readonly type: string; readonly id: string };
  },
): Promise<T> {
  try {
    return await check();
  } catch (error) {
    if (error instanceof DomainError && error.slug === "rate-limited") {
      const retryAfter = error.extensions.retryAfter;
      await block.audit.record(
        auditInput(block.actor, block.meta, {
          accountId: block.accountId,
          action: `ratelimit.${block.limit}`,
          outcome: "blocked",
          class: "short",
          ...(block.target ? { target: block.target } : {}),
          ...(typeof retryAfter === "number" ? { details: { retryAfterSeconds: retryAfter } } : {}),
        }),
      );
    }
    throw error;
  }
}
