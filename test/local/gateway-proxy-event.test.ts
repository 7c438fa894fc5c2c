import type { APIGatewayProxyEvent, APIGatewayRequestAuthorizerEvent } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { FunctionSpec, RouteSpec } from "../../lib/catalog/index.ts";
import { type RunningGateway, startApiGateway } from "../../local/api-gateway.ts";
import type { LambdaHandler } from "../../local/lambda-runtime.ts";

/** Fake functions behind a real gateway: the echo function returns the event it was given. */
const fn = (id: string): FunctionSpec => ({
  id,
  purpose: "test",
  entry: `test/${id}.ts`,
  memoryMb: 128,
  timeoutSeconds: 2,
  grants: {},
});
const functions = ["echo", "throws", "malformed", "authorizer"].map(fn);
const routes: RouteSpec[] = [
  {
    method: "GET",
    path: "/v1/things/{thingId}/parts/{partId}",
    function: "echo",
    auth: "public",
    summary: "",
    resource: "Status",
  },
  {
    method: "GET",
    path: "/v1/things/special/parts/{partId}",
    function: "echo",
    auth: "public",
    summary: "",
    resource: "Status",
  },
  { method: "POST", path: "/v1/things", function: "echo", auth: "public", summary: "", resource: "Status" },
  {
    method: "GET",
    path: "/v1/private/{id}",
    function: "echo",
    auth: "authorized",
    permission: "x",
    summary: "",
    resource: "Status",
  },
  { method: "GET", path: "/v1/throws", function: "throws", auth: "public", summary: "", resource: "Status" },
  {
    method: "GET",
    path: "/v1/malformed",
    function: "malformed",
    auth: "public",
    summary: "",
    resource: "Status",
  },
];

let authorizerCalls = 0;
const handlers: Record<string, LambdaHandler> = {
  echo: async (event) => ({ statusCode: 200, headers: { "X-Echo": "yes" }, body: JSON.stringify(event) }),
  throws: async () => {
    throw new Error("secret internal detail");
  },
  malformed: async () => ({ statusCode: 200, body: { not: "a string" } }),
  authorizer: async (raw) => {
    authorizerCalls++;
    const event = raw as APIGatewayRequestAuthorizerEvent;
    const token = (event.headers?.Authorization ?? event.headers?.authorization ?? "").replace("Bearer ", "");
    if (token === "bad") throw new Error("Unauthorized");
    const base = event.methodArn.split("/").slice(0, 2).join("/"); // arn…:local/test
    const statement =
      token === "deny-one"
        ? [
            { Effect: "Allow", Action: "execute-api:Invoke", Resource: `${base}/*` },
            { Effect: "Deny", Action: "execute-api:Invoke", Resource: `${base}/GET/v1/private/blocked` },
          ]
        : token === "only-other"
          ? [{ Effect: "Allow", Action: "execute-api:Invoke", Resource: `${base}/POST/*` }]
          : [{ Effect: "Allow", Action: "execute-api:Invoke", Resource: `${base}/*/v1/private/*` }];
    return {
      principalId: "key_1",
      policyDocument: { Version: "2012-10-17", Statement: statement },
      context: { accountId: "acc_1", scopes: "send read", count: 3 },
      usageIdentifierKey: token === "limited" ? "usage-key-limited" : undefined,
    };
  },
};

let gateway: RunningGateway;
const errors: string[] = [];

beforeAll(async () => {
  gateway = await startApiGateway({
    stage: "test",
    routes,
    functions,
    loader: async (spec) => handlers[spec.id] as LambdaHandler,
    maxPayloadBytes: 1024,
    throttle: { usagePlan: { rateLimit: 0.001, burstLimit: 1 } },
    onError: (message) => errors.push(message),
  });
});
afterAll(() => gateway.stop());

async function echo(path: string, init: RequestInit = {}): Promise<APIGatewayProxyEvent> {
  const res = await fetch(`${gateway.url}${path}`, init);
  expect(res.status).toBe(200);
  expect(res.headers.get("x-echo")).toBe("yes");
  return (await res.json()) as APIGatewayProxyEvent;
}

describe("proxy event", () => {
  test("carries the resource template, path parameters, query and headers like API Gateway", async () => {
    const event = await echo("/v1/things/th%201/parts/p2?a=1&b=x&b=y", {
      headers: { "X-Custom-Header": "Value", Authorization: "Bearer abc" },
    });
    expect(event.resource).toBe("/v1/things/{thingId}/parts/{partId}");
    expect(event.path).toBe("/v1/things/th%201/parts/p2");
    expect(event.httpMethod).toBe("GET");
    expect(event.pathParameters).toEqual({ thingId: "th 1", partId: "p2" });
    expect(event.queryStringParameters).toEqual({ a: "1", b: "y" });
    expect(event.multiValueQueryStringParameters).toEqual({ a: ["1"], b: ["x", "y"] });
    expect(event.headers["X-Custom-Header"]).toBe("Value");
    expect(event.multiValueHeaders["X-Custom-Header"]).toEqual(["Value"]);
    expect(event.headers["X-Forwarded-Proto"]).toBe("http");
    expect(event.body).toBeNull();
    expect(event.isBase64Encoded).toBe(false);
    expect(event.stageVariables).toBeNull();
    expect(event.requestContext).toMatchObject({
      stage: "test",
      resourcePath: "/v1/things/{thingId}/parts/{partId}",
      httpMethod: "GET",
      path: "/test/v1/things/th%201/parts/p2",
      identity: { sourceIp: "127.0.0.1" },
    });
    expect(event.requestContext.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(event.requestContext.authorizer).toBeUndefined();
  });

  test("no query string and no path parameters are null, as on AWS", async () => {
    const event = await echo("/v1/things", { method: "POST", body: '{"x":1}' });
    expect(event.queryStringParameters).toBeNull();
    expect(event.multiValueQueryStringParameters).toBeNull();
    expect(event.pathParameters).toBeNull();
    expect(event.body).toBe('{"x":1}');
  });

  test("a literal segment wins over a path parameter", async () => {
    const event = await echo("/v1/things/special/parts/p9");
    expect(event.resource).toBe("/v1/things/special/parts/{partId}");
    expect(event.pathParameters).toEqual({ partId: "p9" });
  });
});

describe("gateway errors are problem+json", () => {
  test("unknown route → 404", async () => {
    const res = await fetch(`${gateway.url}/v1/nothing-here`);
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(await res.json()).toMatchObject({ status: 404, type: "https://textgate.dev/problems/not-found" });
    // Same headers as the deployed gateway responses (lib/gateway-responses.ts).
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("strict-transport-security")).toMatch(/^max-age=\d+/);
    expect(res.headers.get("cache-control")).toBe("no-store");
  });

  test("known path with another method → 404 as well", async () => {
    const res = await fetch(`${gateway.url}/v1/throws`, { method: "DELETE" });
    expect(res.status).toBe(404);
  });

  test("a throwing function → 502 without its message or stack", async () => {
    const res = await fetch(`${gateway.url}/v1/throws`);
    expect(res.status).toBe(502);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    const text = await res.text();
    expect(text).not.toContain("secret internal detail");
    expect(text).not.toContain("at ");
    expect(JSON.parse(text)).toMatchObject({ status: 502 });
  });

  test("a malformed proxy result → 502", async () => {
    const res = await fetch(`${gateway.url}/v1/malformed`);
    expect(res.status).toBe(502);
    expect(await res.json()).toMatchObject({ status: 502, detail: "Malformed Lambda proxy response" });
  });

  test("a body over the payload limit → 413", async () => {
    const res = await fetch(`${gateway.url}/v1/things`, { method: "POST", body: "x".repeat(2048) });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ status: 413 });
  });
});

describe("authorizer", () => {
  test("missing Authorization → 401 without invoking the authorizer", async () => {
    const before = authorizerCalls;
    const res = await fetch(`${gateway.url}/v1/private/a`);
    expect(res.status).toBe(401);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(authorizerCalls).toBe(before);
  });

  test('Error("Unauthorized") → 401', async () => {
    const res = await fetch(`${gateway.url}/v1/private/a`, { headers: { Authorization: "Bearer bad" } });
    expect(res.status).toBe(401);
  });

  test("allow policy with wildcards → context reaches the function as strings", async () => {
    const event = await echo("/v1/private/abc", { headers: { Authorization: "Bearer good" } });
    expect(event.requestContext.authorizer).toMatchObject({
      accountId: "acc_1",
      scopes: "send read",
      count: "3",
      principalId: "key_1",
    });
  });

  test("an explicit Deny wins over a matching Allow → 403", async () => {
    const headers = { Authorization: "Bearer deny-one" };
    expect((await fetch(`${gateway.url}/v1/private/open`, { headers })).status).toBe(200);
    const res = await fetch(`${gateway.url}/v1/private/blocked`, { headers });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ status: 403 });
  });

  test("a policy that does not cover the method → 403", async () => {
    const res = await fetch(`${gateway.url}/v1/private/a`, {
      headers: { Authorization: "Bearer only-other" },
    });
    expect(res.status).toBe(403);
  });

  test("results are cached per Authorization header", async () => {
    const headers = { Authorization: "Bearer cache-me" };
    await echo("/v1/private/1", { headers });
    const after = authorizerCalls;
    await echo("/v1/private/2", { headers });
    expect(authorizerCalls).toBe(after);
  });

  test("usageIdentifierKey is throttled by the usage plan → 429 with Retry-After", async () => {
    const headers = { Authorization: "Bearer limited" };
    expect((await fetch(`${gateway.url}/v1/private/1`, { headers })).status).toBe(200);
    const res = await fetch(`${gateway.url}/v1/private/2`, { headers });
    expect(res.status).toBe(429);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
  });
});

describe("stage throttling", () => {
  test("an exhausted bucket → 429 problem with Retry-After", async () => {
    const tiny = await startApiGateway({
      stage: "test",
      routes,
      functions,
      loader: async (spec) => handlers[spec.id] as LambdaHandler,
      throttle: { stage: { rateLimit: 0.01, burstLimit: 2 } },
    });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++)
        statuses.push((await fetch(`${tiny.url}/v1/things`, { method: "POST" })).status);
      expect(statuses).toEqual([200, 200, 429]);
      const res = await fetch(`${tiny.url}/v1/things`, { method: "POST" });
      expect(res.status).toBe(429);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
      expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      expect(await res.json()).toMatchObject({
        status: 429,
        type: "https://textgate.dev/problems/rate-limited",
      });
    } finally {
      await tiny.stop();
    }
  });
});
