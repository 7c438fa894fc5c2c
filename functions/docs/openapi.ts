/**
 * OpenAPI 3.1 document built from the catalogue routes and the zod schemas each function declares in
 * its `httpHandler(...).routes` table: the parser and the documentation share one source.
 */
import * as z from "zod";
import { type ApiResource, apiResources, type RouteSpec } from "../../lib/catalog/index.ts";
import type { RouteHandler, SuccessResponse } from "../shared/http.ts";
import { IDEMPOTENCY_KEY_PATTERN, IDEMPOTENCY_KEY_RULE } from "../shared/idempotency-key.ts";
import { PROBLEM_BASE, PROBLEM_CONTENT_TYPE, problemTypes } from "../shared/problem.ts";
import { webhookOperations } from "./webhook-events.ts";

type Json = Record<string, unknown>;
/** Route tables per function id, as exported by each function's handler (`handler.routes`). */
export type RouteTables = ReadonlyMap<string, Readonly<Record<string, RouteHandler>>>;

export interface OpenApiInfo {
  readonly title: string;
  readonly version: string;
  readonly description: string;
}

export const DEFAULT_INFO: OpenApiInfo = {
  title: "Textgate API",
  version: "1.0.0",
  description:
    "Secure SMS messaging and phone verification. JSON in and out; errors are RFC 9457 problem details " +
    "(application/problem+json). Authenticate with `Authorization: Bearer <API key or access token>`. " +
    "Revocation: a user's access token is refused at once after logout, disabling or demotion on every " +
    "route that sends, changes or administers; API keys (and GET routes) use the authorizer's result, " +
    "cached for up to 30 seconds, so a revoked API key can keep working for up to 30 s.",
};

/** zod → JSON Schema 2020-12 (OpenAPI 3.1's dialect). Transforms and refinements document their input/output side. */
export function jsonSchema(schema: z.ZodType, io: "input" | "output"): Json {
  const out = z.toJSONSchema(schema, { io, unrepresentable: "any", target: "draft-2020-12" }) as Json;
  delete out.$schema;
  return out;
}

const problemSchema: Json = {
  type: "object",
  description: "RFC 9457 problem details",
  required: ["type", "title", "status"],
  properties: {
    type: { type: "string", format: "uri", examples: [`${PROBLEM_BASE}validation-failed`] },
    title: { type: "string" },
    status: { type: "integer", minimum: 400, maximum: 599 },
    detail: { type: "string" },
    instance: { type: "string", description: "Request id; quote it when asking for support" },
    errors: {
      type: "array",
      description: "Validation failures, one per offending field",
      items: {
        type: "object",
        required: ["field", "message"],
        properties: { field: { type: "string" }, message: { type: "string" } },
      },
    },
    retryAfter: { type: "integer", description: "Seconds to wait (429 only; also in Retry-After)" },
    reauthUrl: {
      type: "string",
      description:
        "reauthentication-required (403) only: POST the current password or a second-factor code here, then retry",
    },
    maxAgeSeconds: {
      type: "integer",
      description:
        "reauthentication-required (403) only: how recent the sign-in or re-authentication must be",
    },
  },
  additionalProperties: true,
};

const problemResponse = (description: string, withRetryAfter = false): Json => ({
  description,
  content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: "#/components/schemas/Problem" } } },
  ...(withRetryAfter
    ? {
        headers: {
          "Retry-After": { description: "Seconds to wait", required: true, schema: { type: "integer" } },
        },
      }
    : {}),
});

/**
 * Statuses API Gateway itself can answer on any operation, before or instead of the function
 * (lib/gateway-responses.ts: catch-all 4xx, WAF block, unknown resource, payload limit, media type,
 * throttling, 5xx; 502 when an integration fails). test/quality/openapi.test.ts keeps the two in step.
 */
export const GATEWAY_STATUSES: readonly number[] = [400, 403, 404, 413, 415, 429, 500, 502, 503];

/** Problem statuses of a route: the gateway's, the authorizer's, and what the function's use cases throw. */
function problemStatuses(route: RouteSpec, handler: RouteHandler | undefined): number[] {
  const statuses = new Set<number>(GATEWAY_STATUSES);
  for (const slug of handler?.problems ?? []) statuses.add(problemTypes[slug].status);
  if (route.auth === "authorized") statuses.add(401);
  // State conflicts and Idempotency-Key reuse (409), refused business rules (422): only on writes.
  if (route.method !== "GET") {
    statuses.add(409);
    statuses.add(422);
  }
  return [...statuses].sort((a, b) => a - b);
}

const statusTitle = (status: number): string =>
  Object.values(problemTypes).find((p) => p.status === status)?.title ?? "Error";

/**
 * The status's title, plus the problem types the route declares with that status (e.g. 429
 * daily-limit-reached on POST /v1/messages), so a client can tell them apart by `type`.
 */
function statusDescription(status: number, handler: RouteHandler | undefined): string {
  const declared = (handler?.problems ?? []).filter(
    (slug) => problemTypes[slug].status === status && problemTypes[slug].title !== statusTitle(status),
  );
  return [
    statusTitle(status),
    ...declared.map((slug) => `type ${PROBLEM_BASE}${slug}: ${problemTypes[slug].title}`),
  ].join("; or ");
}

const pathParamNames = (path: string): string[] => [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] ?? "");

function objectProperties(schema: z.ZodType | undefined): {
  props: Record<string, Json>;
  required: string[];
} {
  if (!schema) return { props: {}, required: [] };
  const json = jsonSchema(schema, "input");
  return {
    props: (json.properties as Record<string, Json> | undefined) ?? {},
    required: (json.required as string[] | undefined) ?? [],
  };
}

function parameters(route: RouteSpec, handler: RouteHandler | undefined): Json[] {
  const out: Json[] = [];
  const params = objectProperties(handler?.params);
  for (const name of pathParamNames(route.path)) {
    out.push({ name, in: "path", required: true, schema: params.props[name] ?? { type: "string" } });
  }
  const query = objectProperties(handler?.query);
  for (const [name, schema] of Object.entries(query.props)) {
    out.push({ name, in: "query", required: query.required.includes(name), schema });
  }
  if (route.method === "POST" && handler?.body) {
    out.push({
      name: "Idempotency-Key",
      in: "header",
      required: false,
      description: `Same key + same body → same response; same key + another body → 409. The key ${IDEMPOTENCY_KEY_RULE} ("abc…" and abc… are the same key).`,
      schema: { type: "string", pattern: IDEMPOTENCY_KEY_PATTERN },
    });
  }
  return out;
}

function successResponse(response: SuccessResponse): Json {
  if (response instanceof z.ZodType) {
    return {
      description: response.description ?? "Success",
      content: { "application/json": { schema: jsonSchema(response, "output") } },
    };
  }
  if (response.kind === "no-content") return { description: "Done; no content" };
  return { description: "Success", content: { [response.mediaType]: { schema: { type: "string" } } } };
}

/** A route without declared responses is documented as "some JSON": the contract test refuses it. */
function successResponses(handler: RouteHandler | undefined): Json {
  const declared = Object.entries(handler?.responses ?? {});
  if (declared.length === 0)
    return { "200": { description: "Success", content: { "application/json": {} } } };
  return Object.fromEntries(declared.map(([status, response]) => [status, successResponse(response)]));
}

export const operationId = (route: RouteSpec): string =>
  `${route.method.toLowerCase()}${route.path
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]?.toUpperCase() + part.slice(1))
    .join("")}`;

function operation(route: RouteSpec, handler: RouteHandler | undefined): Json {
  const op: Json = {
    operationId: operationId(route),
    summary: route.summary,
    tags: [route.resource],
    security: route.auth === "authorized" ? [{ bearer: [] }] : [],
    parameters: parameters(route, handler),
    responses: {
      ...successResponses(handler),
      ...Object.fromEntries(
        problemStatuses(route, handler).map((status) => [
          String(status),
          problemResponse(statusDescription(status, handler), status === 429),
        ]),
      ),
    },
  };
  if (route.permission) op["x-textgate-permission"] = route.permission;
  if (route.throttle) op["x-textgate-throttle"] = route.throttle;
  if (handler?.body) {
    op.requestBody = {
      required: true,
      content: { "application/json": { schema: jsonSchema(handler.body, "input") } },
    };
  }
  return op;
}

/** The customer reference: deployed routes customers call (not carrier callbacks, operator or local-only routes). */
export const inCustomerReference = (route: RouteSpec): boolean =>
  !route.localOnly && (route.audience ?? "customers") === "customers";

/** Tags in the catalogue's resource order, only those with operations, each with its description. */
function resourceTags(routes: readonly RouteSpec[]): Json[] {
  const used = new Set(routes.map((route) => route.resource));
  return (Object.keys(apiResources) as ApiResource[])
    .filter((name) => used.has(name))
    .map((name) => ({ name, description: apiResources[name] }));
}

/** Every deployed route, carrier callbacks included: for tools that probe the whole surface (fuzz). */
export const deployed = (route: RouteSpec): boolean => !route.localOnly;

/** Every included catalogue route (default: the customer reference) becomes one operation, tagged by its resource. */
export function buildOpenApi(
  routes: readonly RouteSpec[],
  tables: RouteTables,
  info: OpenApiInfo = DEFAULT_INFO,
  include: (route: RouteSpec) => boolean = inCustomerReference,
): Json {
  const documented = routes.filter(include);
  const paths: Record<string, Record<string, Json>> = {};
  for (const route of documented) {
    const handler = tables.get(route.function)?.[`${route.method} ${route.path}`];
    paths[route.path] ??= {};
    (paths[route.path] as Record<string, Json>)[route.method.toLowerCase()] = operation(route, handler);
  }
  return {
    openapi: "3.1.0",
    info,
    servers: [{ url: "/", description: "This deployment" }],
    tags: resourceTags(documented),
    paths,
    webhooks: webhookOperations(),
    components: {
      schemas: { Problem: problemSchema },
      securitySchemes: {
        bearer: {
          type: "http",
          scheme: "bearer",
          description: "An API key (tg_live_… / tg_test_…) or an access token from POST /v1/auth/login",
        },
      },
    },
  };
}
