/**
 * RFC 9457 problem details, from one place. Every 4xx/5xx a client sees is built here; domain code
 * throws DomainError with a problem slug and never formats responses itself.
 */

export interface ProblemType {
  readonly status: number;
  readonly title: string;
}

/** The catalogue of problem types. `type` URIs are PROBLEM_BASE + slug. */
export const problemTypes = {
  "malformed-json": { status: 400, title: "Request body is not valid JSON" },
  "validation-failed": { status: 400, title: "Request failed validation" },
  unauthorized: { status: 401, title: "Missing or invalid credentials" },
  forbidden: { status: 403, title: "Not allowed" },
  /**
   * Changing a second factor (replacing the SMS phone, removing a factor, new recovery codes) needs
   * a proof made within the last few minutes: POST /v1/account/reauth with the current password or
   * a current second-factor code, then retry. Members: `reauthUrl`, `maxAgeSeconds`.
   */
  "reauthentication-required": { status: 403, title: "Recent re-authentication required" },
  "not-found": { status: 404, title: "Resource not found" },
  "method-not-allowed": { status: 405, title: "Method not allowed" },
  "idempotency-key-reused": { status: 409, title: "Idempotency-Key was used with a different request" },
  "idempotency-in-progress": { status: 409, title: "A request with this Idempotency-Key is in progress" },
  conflict: { status: 409, title: "Conflict with the current state of the resource" },
  "payload-too-large": { status: 413, title: "Request body too large" },
  "unsupported-media-type": { status: 415, title: "Content-Type must be application/json" },
  "unprocessable-entity": { status: 422, title: "Request could not be processed" },
  "rate-limited": { status: 429, title: "Too many requests" },
  /** The operator-set limits.messagesPerDay of the account (UTC day) is used up. */
  "daily-limit-reached": { status: 429, title: "The account's daily message limit is reached" },
  "verify-code-incorrect": { status: 422, title: "The code is not correct" },
  "verify-not-pending": { status: 409, title: "The verification is no longer pending" },
  "verify-country-not-allowed": { status: 403, title: "Destination country not allowed for this account" },
  "verify-fraud-blocked": { status: 429, title: "Verification blocked by the fraud guard" },
  "internal-error": { status: 500, title: "Internal error" },
  "bad-gateway": { status: 502, title: "Bad gateway" },
  "service-unavailable": { status: 503, title: "Service temporarily unavailable" },
} as const satisfies Record<string, ProblemType>;

export type ProblemSlug = keyof typeof problemTypes;

export const PROBLEM_BASE = "https://textgate.dev/problems/";
export const PROBLEM_CONTENT_TYPE = "application/problem+json";

export interface FieldError {
  /** Dotted path of the offending field, e.g. "to" or "metadata.tag". */
  readonly field: string;
  readonly message: string;
}

export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail?: string;
  readonly instance?: string;
  readonly errors?: readonly FieldError[];
  readonly [extension: string]: unknown;
}

/** A failure the client can act on. `extensions` become top-level problem members. */
export class DomainError extends Error {
  constructor(
    readonly slug: ProblemSlug,
    readonly detail?: string,
    readonly extensions: Readonly<Record<string, unknown>> = {},
    /** Extra response headers, e.g. Retry-After. */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(detail ?? problemTypes[slug].title);
    this.name = "DomainError";
  }
}

export const validationError = (errors: readonly FieldError[]): DomainError =>
  new DomainError("validation-failed", errors.map((e) => `${e.field}: ${e.message}`).join("; "), { errors });

export const rateLimited = (retryAfterSeconds: number, detail?: string): DomainError =>
  new DomainError(
    "rate-limited",
    detail ?? "Rate limit exceeded; retry later",
    { retryAfter: Math.max(1, Math.ceil(retryAfterSeconds)) },
    { "Retry-After": String(Math.max(1, Math.ceil(retryAfterSeconds))) },
  );

export function problemOf(
  slug: ProblemSlug,
  detail?: string,
  extensions: Record<string, unknown> = {},
): Problem {
  const { status, title } = problemTypes[slug];
  return { type: `${PROBLEM_BASE}${slug}`, title, status, ...(detail ? { detail } : {}), ...extensions };
}

/** Maps anything thrown to a problem. Unknown errors become a bare 500: no message, no stack. */
export function toProblem(error: unknown): { problem: Problem; headers: Record<string, string> } {
  if (error instanceof DomainError) {
    return {
      problem: problemOf(error.slug, error.detail, { ...error.extensions }),
      headers: { ...error.headers },
    };
  }
  return { problem: problemOf("internal-error", "An unexpected error occurred"), headers: {} };
}
