import { describe, expect, it } from "vitest";
import { violationsOf } from "../../tools/quality/fuzz-runner.ts";
import { usePlatform } from "./platform-under-test.ts";
import { seen } from "./response-checks.ts";

const platform = usePlatform();

/**
 * Requests `npm run fuzz` once answered with a 500 from the local gateway: query or header names
 * that are Object.prototype members, and paths that start with "//". Kept as fixed cases.
 */
const cases: { name: string; method: string; path: string; headers?: Record<string, string> }[] = [
  {
    name: "query name toString",
    method: "GET",
    path: "/v1/messages/msg_01JAAAAAAAAAAAAAAAAAAAAAAA?toString=x",
  },
  { name: "query name __proto__", method: "GET", path: "/v1/audit/events?__proto__=x&limit=5" },
  { name: "query names constructor/valueOf", method: "GET", path: "/health?constructor=1&valueOf=2" },
  { name: "header name constructor", method: "GET", path: "/health", headers: { constructor: "x" } },
  { name: "path starting with //", method: "PUT", path: "//%00/admin" },
  { name: "path //x", method: "GET", path: "//health" },
];

describe("fuzz findings stay fixed", () => {
  it.each(cases)("$name → no 5xx, errors as problem+json", async ({ method, path, headers }) => {
    const request = {
      kind: "regression",
      target: "fixed",
      method,
      path,
      headers: { Authorization: `Bearer ${platform().apiKey}`, ...headers },
    };
    const response = await fetch(`${platform().apiUrl}${path}`, { method, headers: request.headers });
    expect(violationsOf(request, await seen(response))).toEqual([]);
  });
});
