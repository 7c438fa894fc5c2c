import { describe, expect, it } from "vitest";
import { loginToken, violationsOf } from "../../tools/quality/fuzz-runner.ts";
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

describe("fuzz findings in the functions stay fixed", () => {
  it("GET /v1/audit/events with from after to is a 400 validation problem, not a DynamoDB 500", async () => {
    const token = await loginToken(platform().apiUrl, platform().email, platform().password);
    expect(token).toBeDefined();
    const response = await fetch(
      `${platform().apiUrl}/v1/audit/events?from=2023-05-03T00%3A19%3A33.726Z&to=2022-06-12T17%3A40%3A28.989Z`,
      { headers: { Authorization: `Bearer ${token}` } },
    );
    const res = await seen(response);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).errors).toEqual([{ field: "from", message: "from must not be after to" }]);
  });
});
