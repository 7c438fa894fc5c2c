import { describe, expect, it } from "vitest";
import { catalog } from "../../lib/catalog/index.ts";
import { usePlatform } from "./platform-under-test.ts";
import { responseViolations, seen } from "./response-checks.ts";

const platform = usePlatform();
const EVIL_ORIGIN = "https://evil.example";

interface Probe {
  readonly name: string;
  readonly method: string;
  readonly path: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
  /** Expected status class, so a probe that stops testing what it says fails loudly. */
  readonly expect: number | ((status: number) => boolean);
  /** Public documents may be cached; everything else carries no-store. */
  readonly cacheable?: boolean;
}

const hasRoute = (method: string, path: string) =>
  catalog.routes.some((route) => route.method === method && route.path === path);

function probes(apiKey: string): Probe[] {
  const auth = { Authorization: `Bearer ${apiKey}` };
  const json = { ...auth, "Content-Type": "application/json" };
  const list: Probe[] = [
    { name: "health", method: "GET", path: "/health", expect: 200 },
    { name: "OpenAPI document", method: "GET", path: "/openapi.json", expect: 200, cacheable: true },
    { name: "API reference page", method: "GET", path: "/docs", expect: 200, cacheable: true },
    { name: "unknown path (gateway 404)", method: "GET", path: "/no/such/path", expect: 404 },
    {
      name: "unknown method (gateway)",
      method: "DELETE",
      path: "/health",
      expect: (s) => s === 404 || s === 405,
    },
    { name: "no credentials (gateway 401)", method: "POST", path: "/v1/messages", expect: 401, body: "{}" },
    {
      name: "bad API key (gateway 401/403)",
      method: "POST",
      path: "/v1/messages",
      headers: { Authorization: "Bearer tg_test_notarealkey000000000000000000000000000" },
      body: "{}",
      expect: (s) => s === 401 || s === 403,
    },
    {
      name: "invalid body (function 400)",
      method: "POST",
      path: "/v1/messages",
      headers: json,
      body: '{"to":"nope"}',
      expect: 400,
    },
    {
      name: "malformed JSON (function 400)",
      method: "POST",
      path: "/v1/messages",
      headers: json,
      body: '{"to":',
      expect: 400,
    },
    {
      name: "wrong content type (415)",
      method: "POST",
      path: "/v1/messages",
      headers: { ...auth, "Content-Type": "text/plain" },
      body: "hello",
      expect: 415,
    },
    {
      name: "body over 64 KB (413)",
      method: "POST",
      path: "/v1/messages",
      headers: json,
      body: JSON.stringify({ to: "+37255500000", text: "x".repeat(70_000) }),
      expect: 413,
    },
    {
      name: "unknown message (404)",
      method: "GET",
      path: "/v1/messages/msg_01JZZZZZZZZZZZZZZZZZZZZZZZ",
      headers: auth,
      expect: 404,
    },
    {
      name: "CORS preflight",
      method: "OPTIONS",
      path: "/v1/messages",
      headers: { "Access-Control-Request-Method": "POST" },
      expect: (s) => s >= 400 && s < 500,
    },
  ];
  if (hasRoute("POST", "/v1/auth/login")) {
    list.push({
      name: "login with a wrong password (401)",
      method: "POST",
      path: "/v1/auth/login",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ email: "nobody@textgate.local", password: "wrong-password-123" }),
      expect: (s) => s === 400 || s === 401,
    });
  }
  return list;
}

describe("security headers, CORS and error bodies on every response", () => {
  it("every probe answers with HSTS, nosniff, no CORS grant, no-store (non-public) and leak-free problem+json errors", async () => {
    const failures: string[] = [];
    for (const probe of probes(platform().apiKey)) {
      const response = await fetch(`${platform().apiUrl}${probe.path}`, {
        method: probe.method,
        headers: { Origin: EVIL_ORIGIN, ...(probe.headers ?? {}) },
        ...(probe.body === undefined ? {} : { body: probe.body }),
      });
      const res = await seen(response);
      const statusOk =
        typeof probe.expect === "number" ? res.status === probe.expect : probe.expect(res.status);
      if (!statusOk) failures.push(`${probe.name}: unexpected status ${res.status}`);
      for (const violation of responseViolations(res, { noStore: !probe.cacheable })) {
        failures.push(`${probe.name} (${res.status}): ${violation}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it("the API reference page allows only its own inline scripts (CSP), and JSON responses forbid everything", async () => {
    const page = await fetch(`${platform().apiUrl}/docs`);
    expect(page.headers.get("content-security-policy")).toMatch(/script-src 'sha256-/);
    const health = await fetch(`${platform().apiUrl}/health`);
    expect(health.headers.get("content-security-policy")).toContain("default-src 'none'");
  });
});
