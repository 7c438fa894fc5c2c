/**
 * Sends generated requests to a running API and checks every answer: no 5xx, every 4xx is
 * problem+json with type/title/status, and no stack traces or internal names in error bodies.
 */
import fc from "fast-check";
import { leaks, problemViolations, type SeenResponse } from "../../test/quality/response-checks.ts";
import { type FuzzRequest, fuzzRequests } from "./fuzz-requests.ts";

export interface FuzzViolation {
  readonly request: FuzzRequest;
  readonly status: number;
  readonly problems: readonly string[];
  readonly body: string;
}

export interface FuzzReport {
  readonly total: number;
  readonly seed: number;
  readonly ms: number;
  readonly byStatus: Readonly<Record<string, number>>;
  readonly byKind: Readonly<Record<string, number>>;
  readonly violations: readonly FuzzViolation[];
}

export interface FuzzOptions {
  readonly apiUrl: string;
  readonly apiKey: string;
  /** A user's access token: with it the fuzz reaches the account routes API keys may not call. */
  readonly accessToken?: string;
  readonly spec: Record<string, unknown>;
  readonly count: number;
  readonly seed: number;
  readonly concurrency?: number;
  readonly onProgress?: (done: number) => void;
  /** More invariants per answer, e.g. "matches the OpenAPI document" (test/support/openapi-contract.ts). */
  readonly extraChecks?: (request: FuzzRequest, res: SeenResponse) => string[];
}

export function violationsOf(request: FuzzRequest, res: SeenResponse): string[] {
  const out: string[] = [];
  if (res.status >= 500) out.push(`server error ${res.status}`);
  // HEAD answers carry no body by definition; their headers are still checked.
  if (request.method === "HEAD") {
    if (
      res.status >= 400 &&
      !(res.headers.get("content-type") ?? "").startsWith("application/problem+json")
    ) {
      out.push("HEAD error without problem+json content type");
    }
    return out;
  }
  return [...out, ...problemViolations(res), ...(res.status >= 400 ? leaks(res.body) : [])];
}

async function send(apiUrl: string, request: FuzzRequest): Promise<SeenResponse> {
  const response = await fetch(`${apiUrl}${request.path}`, {
    method: request.method,
    headers: request.headers,
    ...(request.body === undefined ? {} : { body: request.body }),
    signal: AbortSignal.timeout(30_000),
  });
  return { status: response.status, headers: response.headers, body: await response.text() };
}

export async function runFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const requests = fc.sample(
    fuzzRequests(
      options.spec,
      options.accessToken ? [options.apiKey, options.accessToken] : [options.apiKey],
    ),
    {
      numRuns: options.count,
      seed: options.seed,
    },
  );
  const byStatus: Record<string, number> = {};
  const byKind: Record<string, number> = {};
  const violations: FuzzViolation[] = [];
  const started = performance.now();
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < requests.length) {
      const request = requests[next++] as FuzzRequest;
      byKind[request.kind] = (byKind[request.kind] ?? 0) + 1;
      let res: SeenResponse;
      try {
        res = await send(options.apiUrl, request);
      } catch (error) {
        byStatus.network = (byStatus.network ?? 0) + 1;
        violations.push({
          request,
          status: 0,
          problems: [`no response: ${(error as Error).message}`],
          body: "",
        });
        continue;
      }
      byStatus[res.status] = (byStatus[res.status] ?? 0) + 1;
      const problems = [...violationsOf(request, res), ...(options.extraChecks?.(request, res) ?? [])];
      if (problems.length > 0)
        violations.push({ request, status: res.status, problems, body: res.body.slice(0, 300) });
      done += 1;
      if (done % 500 === 0) options.onProgress?.(done);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 8 }, worker));
  return {
    total: requests.length,
    seed: options.seed,
    ms: Math.round(performance.now() - started),
    byStatus,
    byKind,
    violations,
  };
}

/** One line per distinct problem with a count and the first request that showed it. */
export function summarizeViolations(violations: readonly FuzzViolation[]): string[] {
  const groups = new Map<string, { count: number; example: FuzzViolation }>();
  for (const v of violations) {
    for (const problem of v.problems) {
      const key = `${v.request.target} → ${problem}`;
      const group = groups.get(key);
      if (group) group.count += 1;
      else groups.set(key, { count: 1, example: v });
    }
  }
  return [...groups].map(
    ([key, { count, example }]) =>
      `${count}× ${key}\n    e.g. ${example.request.kind} ${example.request.method} ${example.request.path.slice(0, 120)} body=${(example.request.body ?? "").slice(0, 120)} → ${example.status} ${example.body.slice(0, 160)}`,
  );
}

/** Logs in with email and password; undefined when the account needs MFA or login is not there. */
export async function loginToken(
  apiUrl: string,
  email: string | undefined,
  password: string | undefined,
): Promise<string | undefined> {
  if (!email || !password) return undefined;
  const response = await fetch(`${apiUrl}/v1/auth/login`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ email, password }),
  });
  if (response.status !== 200) return undefined;
  const body = (await response.json()) as { token?: unknown; accessToken?: unknown };
  const token = body.token ?? body.accessToken;
  return typeof token === "string" ? token : undefined;
}
