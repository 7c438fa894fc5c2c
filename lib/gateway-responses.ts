import * as apigw from "aws-cdk-lib/aws-apigateway";
import {
  PROBLEM_BASE,
  PROBLEM_CONTENT_TYPE,
  type ProblemSlug,
  problemTypes,
} from "../functions/shared/problem.ts";

/**
 * API Gateway's own errors (authorizer deny, throttling, unknown route, ...) rewritten as RFC 9457
 * problem+json with the same `type` URIs the functions use (functions/shared/problem.ts), so a
 * client sees one error shape whoever answered.
 */
export interface GatewayProblem {
  readonly type: apigw.ResponseType;
  readonly slug: ProblemSlug;
  /** Echo API Gateway's message as `detail` (4xx: says what was wrong; 5xx: never, internal). */
  readonly echoMessage: boolean;
  readonly retryAfterSeconds?: number;
}

const R = apigw.ResponseType;

export const GATEWAY_PROBLEMS: readonly GatewayProblem[] = [
  { type: R.DEFAULT_4XX, slug: "validation-failed", echoMessage: true },
  { type: R.BAD_REQUEST_BODY, slug: "validation-failed", echoMessage: true },
  { type: R.BAD_REQUEST_PARAMETERS, slug: "validation-failed", echoMessage: true },
  { type: R.UNAUTHORIZED, slug: "unauthorized", echoMessage: false },
  { type: R.ACCESS_DENIED, slug: "forbidden", echoMessage: false },
  { type: R.EXPIRED_TOKEN, slug: "forbidden", echoMessage: false },
  { type: R.INVALID_SIGNATURE, slug: "forbidden", echoMessage: false },
  // With API key source AUTHORIZER this means the authorizer's usageIdentifierKey is not in the plan.
  { type: R.INVALID_API_KEY, slug: "forbidden", echoMessage: false },
  { type: R.WAF_FILTERED, slug: "forbidden", echoMessage: false },
  // API Gateway answers unknown paths/methods with 403 "Missing Authentication Token": it is a 404.
  { type: R.MISSING_AUTHENTICATION_TOKEN, slug: "not-found", echoMessage: false },
  { type: R.RESOURCE_NOT_FOUND, slug: "not-found", echoMessage: false },
  { type: R.REQUEST_TOO_LARGE, slug: "payload-too-large", echoMessage: false },
  { type: R.UNSUPPORTED_MEDIA_TYPE, slug: "unsupported-media-type", echoMessage: false },
  // Stage/method/usage-plan throttles refill every second: 1 s is the honest earliest retry.
  { type: R.THROTTLED, slug: "rate-limited", echoMessage: false, retryAfterSeconds: 1 },
  // No quota is configured today; if one is, a minute is a safe first retry (every 429 carries Retry-After).
  { type: R.QUOTA_EXCEEDED, slug: "rate-limited", echoMessage: false, retryAfterSeconds: 60 },
  { type: R.DEFAULT_5XX, slug: "internal-error", echoMessage: false },
  { type: R.API_CONFIGURATION_ERROR, slug: "internal-error", echoMessage: false },
  { type: R.AUTHORIZER_CONFIGURATION_ERROR, slug: "internal-error", echoMessage: false },
  { type: R.AUTHORIZER_FAILURE, slug: "internal-error", echoMessage: false },
  { type: R.INTEGRATION_FAILURE, slug: "service-unavailable", echoMessage: false, retryAfterSeconds: 5 },
  { type: R.INTEGRATION_TIMEOUT, slug: "service-unavailable", echoMessage: false, retryAfterSeconds: 5 },
];

const quoted = (value: string): string => `'${value}'`;

/**
 * The security headers functions/shared/http.ts puts on every function response, minus
 * Content-Security-Policy: its 'none' tokens need single quotes, which an API Gateway static header
 * value (itself single-quoted) cannot carry. A problem+json body is never rendered as a page.
 */
export const GATEWAY_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "Strict-Transport-Security": "max-age=63072000; includeSubDomains; preload",
  "X-Content-Type-Options": "nosniff",
  "Cache-Control": "no-store",
  "Referrer-Policy": "no-referrer",
  "X-Frame-Options": "DENY",
};

/** Velocity template; $context.error.messageString is already a quoted JSON string. */
export function problemTemplate(problem: GatewayProblem): string {
  const { status, title } = problemTypes[problem.slug];
  const detail = problem.echoMessage ? "$context.error.messageString" : JSON.stringify(title);
  const retry = problem.retryAfterSeconds === undefined ? "" : `,"retryAfter":${problem.retryAfterSeconds}`;
  return `{"type":${JSON.stringify(`${PROBLEM_BASE}${problem.slug}`)},"title":${JSON.stringify(title)},"status":${status},"detail":${detail},"instance":"$context.requestId"${retry}}`;
}

export function addProblemResponses(api: apigw.RestApi): void {
  for (const problem of GATEWAY_PROBLEMS) {
    const headers: Record<string, string> = {
      "Content-Type": quoted(PROBLEM_CONTENT_TYPE),
      ...Object.fromEntries(
        Object.entries(GATEWAY_SECURITY_HEADERS).map(([name, value]) => [name, quoted(value)]),
      ),
      ...(problem.retryAfterSeconds === undefined
        ? {}
        : { "Retry-After": quoted(String(problem.retryAfterSeconds)) }),
    };
    api.addGatewayResponse(`Problem-${problem.type.responseType}`, {
      type: problem.type,
      statusCode: String(problemTypes[problem.slug].status),
      responseHeaders: headers,
      templates: { "application/json": problemTemplate(problem) },
    });
  }
}
