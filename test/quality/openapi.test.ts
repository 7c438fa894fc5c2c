import { Validator } from "@seriousme/openapi-schema-validator";
import type { APIGatewayProxyEvent, Context } from "aws-lambda";
import { beforeAll, describe, expect, it } from "vitest";
import { handler as docsHandler } from "../../functions/docs/handler.ts";
import { buildOpenApi, DEFAULT_INFO, deployed, inCustomerReference } from "../../functions/docs/openapi.ts";
import { type LoadedRouteTables, loadRouteTables } from "../../functions/docs/route-tables.ts";
import { problemTypes } from "../../functions/shared/problem.ts";
import { apiResources, catalog } from "../../lib/catalog/index.ts";
import { GATEWAY_PROBLEMS } from "../../lib/gateway-responses.ts";

type Json = Record<string, unknown>;
type Operation = {
  tags: string[];
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

  const customerRoutes = () => catalog.routes.filter(inCustomerReference);

  it("documents every customer-facing catalogue route", () => {
    const missing = customerRoutes()
      .filter((route) => !operationOf(route.method, route.path))
      .map((route) => `${route.method} ${route.path}`);
    expect(missing).toEqual([]);
  });

  it("keeps the carrier DLR callback (deployed) and local-only routes out of the customer reference", () => {
    const dlr = catalog.routes.find((route) => route.path === "/v1/carriers/{carrierId}/dlr");
    expect(dlr && !dlr.localOnly).toBe(true);
    const leftOut = catalog.routes.filter((route) => !inCustomerReference(route));
    expect(leftOut.map((route) => route.path)).toContain("/v1/carriers/{carrierId}/dlr");
    for (const route of leftOut) expect(operationOf(route.method, route.path), route.path).toBeUndefined();
    expect(Object.keys(spec.paths as Json).some((path) => path.startsWith("/v1/carriers/"))).toBe(false);
    // Tools that probe the whole deployed surface (fuzz) still get it.
    const surface = buildOpenApi(catalog.routes, loaded.tables, DEFAULT_INFO, deployed);
    expect(Object.keys(surface.paths as Json)).toContain("/v1/carriers/{carrierId}/dlr");
  });

  it("groups operations by resource (Messages, Verifications, Auth, Account, Audit, Status), not by function", () => {
    const resources = Object.keys(apiResources);
    const functionIds = new Set(catalog.functions.map((fn) => fn.id));
    const tags = (spec.tags as { name: string; description: string }[]).map((tag) => tag.name);
    expect(tags).toEqual(resources.filter((name) => tags.includes(name)));
    expect(tags).toEqual(
      expect.arrayContaining(["Messages", "Verifications", "Auth", "Account", "Audit", "Status"]),
    );
    for (const route of customerRoutes()) {
      const op = operationOf(route.method, route.path) as Operation;
      expect(op.tags, `${route.method} ${route.path}`).toEqual([route.resource]);
      expect(functionIds.has(op.tags[0] ?? "")).toBe(false);
    }
    expect(operationOf("POST", "/v1/messages")?.tags).toEqual(["Messages"]);
    expect(operationOf("POST", "/v1/verifications/{id}/checks")?.tags).toEqual(["Verifications"]);
    expect(operationOf("POST", "/v1/auth/login")?.tags).toEqual(["Auth"]);
    expect(operationOf("GET", "/v1/account/me")?.tags).toEqual(["Account"]);
    expect(operationOf("GET", "/v1/audit/events")?.tags).toEqual(["Audit"]);
    expect(operationOf("GET", "/status.json")?.tags).toEqual(["Status"]);
  });

  it("declares response schemas for every customer-facing route (what the contract test validates against)", () => {
    const undeclared = customerRoutes()
      .filter((route) => {
        const handler = loaded.tables.get(route.function)?.[`${route.method} ${route.path}`];
        return Object.keys(handler?.responses ?? {}).length === 0;
      })
      .map((route) => `${route.method} ${route.path}`);
    expect(undeclared).toEqual([]);
  });

  it("documents API Gateway's own problems on every operation they can occur on", () => {
    for (const route of customerRoutes()) {
      const op = operationOf(route.method, route.path) as Operation;
      for (const problem of GATEWAY_PROBLEMS) {
        const status = String(problemTypes[problem.slug].status);
        // The authorizer's 401 exists only where there is an authorizer.
        if (status === "401" && route.auth !== "authorized") continue;
        expect(
          op.responses[status],
          `${route.method} ${route.path} ${problem.type.responseType}`,
        ).toBeDefined();
        if (status === "429") {
          expect((op.responses[status]?.headers as Json | undefined)?.["Retry-After"]).toMatchObject({
            required: true,
          });
        }
      }
    }
  });

  it("imports every written handler's route table (a broken import would leave the docs without schemas)", () => {
    const broken = [...loaded.failures].filter(([, reason]) => reason !== "entry not written yet");
    expect(broken).toEqual([]);
  });

  it("takes request schemas from the handlers' zod schemas", () => {
    for (const [fnId, table] of loaded.tables) {
      for (const [key, routeHandler] of Object.entries(table)) {
        const [method = "", path = ""] = key.split(" ");
        const route = catalog.routes.find((r) => r.method === method && r.path === path);
        expect(route, `${fnId}: ${key} has a handler but no catalogue route`).toBeDefined();
        if (!route || !inCustomerReference(route)) continue;
        const op = operationOf(method, path);
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
    for (const route of customerRoutes()) {
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

  it("the reference page groups by resource and leaves the carrier callback out", async () => {
    const response = await docsHandler(event("/docs"), context);
    const inlined = /Scalar\.createApiReference\("#app",(.*)\);<\/script>/s.exec(response.body)?.[1] ?? "{}";
    const content = (JSON.parse(inlined) as { content: Json }).content;
    const tags = (content.tags as { name: string }[]).map((tag) => tag.name);
    expect(tags).toEqual(
      expect.arrayContaining(["Messages", "Verifications", "Auth", "Account", "Audit", "Status"]),
    );
    expect(Object.keys(content.paths as Json).filter((path) => path.includes("/carriers/"))).toEqual([]);
  });
});
