import { Validator } from "@seriousme/openapi-schema-validator";
import type { APIGatewayProxyEvent, Context } from "aws-lambda";
import { beforeAll, describe, expect, it } from "vitest";
import { handler as docsHandler } from "../../functions/docs/handler.ts";
import { buildOpenApi } from "../../functions/docs/openapi.ts";
import { type LoadedRouteTables, loadRouteTables } from "../../functions/docs/route-tables.ts";
import { catalog } from "../../lib/catalog/index.ts";

type Json = Record<string, unknown>;
type Operation = {
  requestBody?: Json;
  parameters: Json[];
  responses: Record<string, Json>;
  security: unknown[];
};

let loaded: LoadedRouteTables;
let spec: Json;

beforeAll(async () => {
  loaded = await loadRouteTables(catalog);
  spec = buildOpenApi(catalog.routes, loaded.tables);
});

const operationOf = (method: string, path: string): Operation | undefined =>
  (spec.paths as Record<string, Record<string, Operation>>)[path]?.[method.toLowerCase()];

describe("OpenAPI document", () => {
  it("is a valid OpenAPI 3.1 document", async () => {
    const result = await new Validator().validate(spec);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(spec.openapi).toBe("3.1.0");
  });

  it("documents every deployed catalogue route", () => {
    const missing = catalog.routes
      .filter((route) => !route.localOnly)
      .filter((route) => !operationOf(route.method, route.path))
      .map((route) => `${route.method} ${route.path}`);
    expect(missing).toEqual([]);
  });

  it("imports every written handler's route table (a broken import would leave the docs without schemas)", () => {
    const broken = [...loaded.failures].filter(([, reason]) => reason !== "entry not written yet");
    expect(broken).toEqual([]);
  });

  it("takes request schemas from the handlers' zod schemas", () => {
    for (const [fnId, table] of loaded.tables) {
      for (const [key, routeHandler] of Object.entries(table)) {
        const [method = "", path = ""] = key.split(" ");
        const op = operationOf(method, path);
        expect(op, `${fnId}: ${key} has a handler but no catalogue route`).toBeDefined();
        if (routeHandler.body) expect(op?.requestBody, key).toBeDefined();
        if (routeHandler.query)
          expect(
            op?.parameters.some((p) => p.in === "query"),
            key,
          ).toBe(true);
      }
    }
  });

  it("describes every 4xx/5xx as application/problem+json and protects authorized routes with bearer", () => {
    for (const route of catalog.routes.filter((r) => !r.localOnly)) {
      const op = operationOf(route.method, route.path) as Operation;
      for (const [status, response] of Object.entries(op.responses)) {
        if (Number(status) >= 400)
          expect(Object.keys(response.content as Json), status).toEqual(["application/problem+json"]);
      }
      expect(op.security).toEqual(route.auth === "authorized" ? [{ bearer: [] }] : []);
    }
  });
});

const event = (path: string): APIGatewayProxyEvent =>
  ({
    resource: path,
    path,
    httpMethod: "GET",
    headers: {},
    queryStringParameters: null,
    pathParameters: null,
    body: null,
    isBase64Encoded: false,
    requestContext: { requestId: "req-docs-test" },
  }) as unknown as APIGatewayProxyEvent;

const context = { awsRequestId: "req-docs-test", functionName: "docs" } as Context;

describe("docs function", () => {
  it("serves the document at GET /openapi.json", async () => {
    const response = await docsHandler(event("/openapi.json"), context);
    expect(response.statusCode).toBe(200);
    const served = JSON.parse(response.body) as Json;
    expect(Object.keys(served.paths as Json)).toEqual(Object.keys(spec.paths as Json));
  });

  it("serves an offline reference page at GET /docs: inlined script and spec, nothing loaded from elsewhere", async () => {
    const response = await docsHandler(event("/docs"), context);
    expect(response.statusCode).toBe(200);
    expect(response.headers?.["Content-Type"]).toMatch(/^text\/html/);
    expect(response.body).toContain("Scalar.createApiReference");
    expect(response.body).not.toMatch(/<script[^>]+src=/);
    const csp = String(response.headers?.["Content-Security-Policy"]);
    expect(csp).toMatch(/script-src 'sha256-[^']+' 'sha256-[^']+'(;|$)/);
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toMatch(/https?:/);
  });
});
