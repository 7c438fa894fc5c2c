/**
 * Invariants every HTTP response of the API must keep, shared by the security-header test, the fuzz
 * run and the load/chaos tools. Each returns human-readable violations (empty = fine).
 */
export interface SeenResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly body: string;
}

/** Things that betray internals: stack frames, source paths, AWS service/exception names. */
export const LEAK_PATTERNS: readonly RegExp[] = [
  /\bat [\w.<>$]+ \(/, // stack frame "at fn (file:line)"
  /\n\s+at /,
  /\.(ts|mts|js|mjs|cjs):\d+/,
  /node_modules/,
  /\/work\/|\/var\/task|file:\/\//,
  /DynamoDB|ConditionalCheckFailed|ProvisionedThroughput|TransactionCanceled|ResourceNotFoundException/,
  /\bSQS\b|\bKMS\b|AccessDenied(Exception)?\b|UnrecognizedClient/,
  /(Type|Reference|Range|Syntax)Error\b/,
  /"stack"\s*:/,
];

export function leaks(body: string): string[] {
  return LEAK_PATTERNS.filter((pattern) => pattern.test(body)).map((pattern) => `body leaks ${pattern}`);
}

export function securityHeaderViolations(res: SeenResponse): string[] {
  const out: string[] = [];
  const hsts = res.headers.get("strict-transport-security") ?? "";
  if (!/max-age=\d{8,}/.test(hsts)) out.push(`missing/short Strict-Transport-Security (${hsts || "none"})`);
  if (res.headers.get("x-content-type-options") !== "nosniff")
    out.push("missing X-Content-Type-Options: nosniff");
  if (res.headers.get("access-control-allow-origin") !== null) {
    out.push(`CORS open: Access-Control-Allow-Origin ${res.headers.get("access-control-allow-origin")}`);
  }
  return out;
}

/** 4xx/5xx must be RFC 9457 problem+json with type/title/status matching the HTTP status. */
export function problemViolations(res: SeenResponse): string[] {
  if (res.status < 400) return [];
  const out: string[] = [];
  const contentType = res.headers.get("content-type") ?? "";
  if (!contentType.startsWith("application/problem+json"))
    out.push(`error with Content-Type "${contentType}"`);
  try {
    const problem = JSON.parse(res.body) as Record<string, unknown>;
    if (typeof problem.type !== "string" || !problem.type) out.push("problem without type");
    if (typeof problem.title !== "string" || !problem.title) out.push("problem without title");
    if (problem.status !== res.status)
      out.push(`problem status ${String(problem.status)} ≠ HTTP ${res.status}`);
  } catch {
    out.push("error body is not JSON");
  }
  if (res.status === 429 && !res.headers.get("retry-after")) out.push("429 without Retry-After");
  return out;
}

/** All invariants at once; `noStore` for responses that carry account data or credentials. */
export function responseViolations(res: SeenResponse, options: { noStore?: boolean } = {}): string[] {
  // Leaks are judged on error bodies: a 200 HTML page legitimately ships JavaScript.
  const out = [
    ...securityHeaderViolations(res),
    ...problemViolations(res),
    ...(res.status >= 400 ? leaks(res.body) : []),
  ];
  if (res.status >= 500) out.push(`server error ${res.status}`);
  if (options.noStore && !(res.headers.get("cache-control") ?? "").includes("no-store")) {
    out.push(`Cache-Control "${res.headers.get("cache-control") ?? "none"}" (want no-store)`);
  }
  return out;
}

export async function seen(response: Response): Promise<SeenResponse> {
  return { status: response.status, headers: response.headers, body: await response.text() };
}
