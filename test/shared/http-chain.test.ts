import type { APIGatewayProxyEvent, Context } from "aws-lambda";
import { describe, expect, it } from "vitest";
import * as z from "zod";
import { httpHandler, MAX_BODY_BYTES, noContent, route } from "../../functions/shared/http.ts";
import { DomainError } from "../../functions/shared/problem.ts";

const context = {
  awsRequestId: "req-1",
  functionName: "test",
  getRemainingTimeInMillis: () => 5000,
} as unknown as Context;

function event(overrides: Partial<APIGatewayProxyEvent>): APIGatewayProxyEvent {
  return {
    httpMethod: "POST",
    resource: "/v1/things",
    path: "/v1/things",
    headers: { "Content-Type": "application/json" },
    multiValueHeaders: {},
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    body: JSON.stringify({ name: "a" }),
    isBase64Encoded: false,
    requestContext: { requestId: "req-1", identity: { sourceIp: "127.0.0.1" } } as never,
    ...overrides,
  };
}

const handler = httpHandler({
  "POST /v1/things": route({
    body: z.strictObject({ name: z.string().min(1), size: z.number().int().optional() }),
    run: async ({ body }) => ({ status: 201, body: { echoed: body.name } }),
  }),
  "GET /v1/boom": route({
    run: async () => {
      throw new Error("secret internal detail at /var/task/index.mjs");
    },
  }),
  "GET /v1/busy": route({
    run: async () => {
      throw new DomainError("rate-limited", "slow down", { retryAfter: 7 }, { "Retry-After": "7" });
    },
  }),
});

const call = async (overrides: Partial<APIGatewayProxyEvent>) => {
  const result = await handler(event(overrides), context);
  return { ...result, json: result.body ? JSON.parse(result.body) : undefined };
};

describe("HTTP chain", () => {
  it("parses a valid body and answers JSON with security headers", async () => {
    const res = await call({});
    expect(res.statusCode).toBe(201);
    expect(res.json).toEqual({ echoed: "a" });
    expect(res.headers?.["Strict-Transport-Security"]).toContain("max-age=");
    expect(res.headers?.["X-Content-Type-Options"]).toBe("nosniff");
    expect(res.headers?.["Cache-Control"]).toBe("no-store");
  });

  it("names unknown fields and wrong types in a 400 problem", async () => {
    const res = await call({ body: JSON.stringify({ name: "", colour: "red", size: "big" }) });
    expect(res.statusCode).toBe(400);
    expect(res.headers?.["Content-Type"]).toBe("application/problem+json");
    const fields = (res.json.errors as { field: string }[]).map((e) => e.field).sort();
    expect(fields).toEqual(["colour", "name", "size"]);
    expect(res.json.type).toMatch(/validation-failed$/);
  });

  it.each([
    ["malformed JSON", { body: "{not json" }, 400, "malformed-json"],
    ["wrong content type", { headers: { "Content-Type": "text/plain" } }, 415, "unsupported-media-type"],
    [
      "oversized body",
      { body: JSON.stringify({ name: "x".repeat(MAX_BODY_BYTES) }) },
      413,
      "payload-too-large",
    ],
    ["empty body", { body: "" }, 400, "malformed-json"],
    ["unknown route", { resource: "/v1/nope" }, 404, "not-found"],
    [
      "bad idempotency key",
      { headers: { "Content-Type": "application/json", "Idempotency-Key": "x y" } },
      400,
      "validation-failed",
    ],
  ])("%s → %i problem+json", async (_name, overrides, status, slug) => {
    const res = await call(overrides as Partial<APIGatewayProxyEvent>);
    expect(res.statusCode).toBe(status);
    expect(res.headers?.["Content-Type"]).toBe("application/problem+json");
    expect(res.json.type).toBe(`https://textgate.dev/problems/${slug}`);
    expect(res.json.status).toBe(status);
  });

  it("never leaks an unexpected error's message or stack", async () => {
    const res = await call({ httpMethod: "GET", resource: "/v1/boom", body: null });
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toContain("secret internal detail");
    expect(res.body).not.toContain("/var/task");
    expect(res.json.title).toBe("Internal error");
  });

  it("carries Retry-After from a domain error", async () => {
    const res = await call({ httpMethod: "GET", resource: "/v1/busy", body: null });
    expect(res.statusCode).toBe(429);
    expect(res.headers?.["Retry-After"]).toBe("7");
    expect(res.json.retryAfter).toBe(7);
  });
});

/** Routes that declare their responses: the chain serializes through the declared schema. */
const thing = z.object({ id: z.string(), size: z.number().int() });
let produced: unknown;
const declaring = httpHandler({
  "GET /v1/thing": route({ responses: { 200: thing }, run: async () => ({ status: 200, body: produced }) }),
  "DELETE /v1/thing": route({
    responses: { 204: noContent },
    run: async () => ({ status: 200, body: produced }),
  }),
});
const get = async (method = "GET") => {
  const result = await declaring(event({ httpMethod: method, resource: "/v1/thing", body: null }), context);
  return { ...result, json: result.body ? JSON.parse(result.body) : undefined };
};

describe("HTTP chain: responses go out through their declared schemas", () => {
  it("drops properties the schema does not declare (no internal field leaks, the document stays true)", async () => {
    produced = { id: "t1", size: 2, accountId: "acc_internal", passwordHash: "x" };
    const res = await get();
    expect(res.statusCode).toBe(200);
    expect(res.json).toEqual({ id: "t1", size: 2 });
  });

  it("refuses a body that breaks the schema with a bare 500, not a silently different contract", async () => {
    produced = { id: "t1" };
    const res = await get();
    expect(res.statusCode).toBe(500);
    expect(res.json.type).toMatch(/internal-error$/);
    expect(res.body).not.toContain("size");
  });

  it("refuses a status the route does not declare", async () => {
    produced = undefined;
    const res = await get("DELETE");
    expect(res.statusCode).toBe(500);
  });
});
