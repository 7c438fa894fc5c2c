import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy, { type MiddlewareObj } from "@middy/core";
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";
import * as z from "zod";
import { IDEMPOTENCY_KEY_RULE, parseIdempotencyKey } from "./idempotency-key.ts";
import { logger } from "./logger.ts";
import { type Principal, principalFromContext } from "./principal.ts";
import { DomainError, PROBLEM_CONTENT_TYPE, type ProblemSlug, toProblem } from "./problem.ts";
import { parseWith } from "./validation.ts";

/** Bodies above this are refused before parsing (API contract: 64 KB). */
export const MAX_BODY_BYTES = 64 * 1024;

export interface HttpRequest<B = unknown, P = unknown, Q = unknown> {
  readonly body: B;
  readonly params: P;
  readonly query: Q;
  /** Lower-cased header names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly principal: Principal | undefined;
  /** The IAM principal ARN of an AWS_IAM ("iam") route's caller, set by API Gateway after SigV4. */
  readonly callerArn: string | undefined;
  readonly requestId: string;
  readonly sourceIp: string;
  /** The caller's User-Agent as API Gateway saw it (for the audit trail's "where"). */
  readonly userAgent: string | undefined;
  readonly idempotencyKey: string | undefined;
  /** The body exactly as received (decoded from base64 if needed), for signature checks. */
  readonly bodyText: string;
}

export interface HttpResult {
  readonly status: number;
  readonly body?: unknown;
  /** Sent as-is instead of JSON (HTML pages such as /docs); set Content-Type in headers. */
  readonly rawBody?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** A success response without a body (204). */
export const noContent = { kind: "no-content" } as const;
/** A success response that is a document of another media type (an HTML page), sent as `rawBody`. */
export interface MediaResponse {
  readonly kind: "media";
  readonly mediaType: string;
}
export const htmlPage: MediaResponse = { kind: "media", mediaType: "text/html" };

/**
 * One documented success response: the zod schema of a JSON body (the chain serializes the body
 * through it, so the OpenAPI document and the wire cannot drift), no body, or another media type.
 */
export type SuccessResponse = z.ZodType | typeof noContent | MediaResponse;

export interface RouteHandler {
  readonly body?: z.ZodType;
  readonly params?: z.ZodType;
  readonly query?: z.ZodType;
  /** Success responses by status code: the OpenAPI document and the response serializer read them. */
  readonly responses?: Readonly<Record<number, SuccessResponse>>;
  /**
   * Problems the use cases raise that the route's facts do not imply (e.g. 401 from a public
   * sign-in route), for the OpenAPI document.
   */
  readonly problems?: readonly ProblemSlug[];
  readonly run: (request: HttpRequest<never, never, never>) => Promise<HttpResult>;
}

/** Declares one route's schemas and use-case call with the request typed from the schemas. */
export function route<
  B extends z.ZodType | undefined = undefined,
  P extends z.ZodType | undefined = undefined,
  Q extends z.ZodType | undefined = undefined,
>(spec: {
  body?: B;
  params?: P;
  query?: Q;
  responses?: Readonly<Record<number, SuccessResponse>>;
  problems?: readonly ProblemSlug[];
  run: (
    request: HttpRequest<
      B extends z.ZodType ? z.infer<B> : undefined,
      P extends z.ZodType ? z.infer<P> : undefined,
      Q extends z.ZodType ? z.infer<Q> : undefined
    >,
  ) => Promise<HttpResult>;
}): RouteHandler {
  return spec as unknown as RouteHandler;
}

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "Strict-Transport-Security": "max-age=63072000; includeSubDomains; preload",
  "X-Content-Type-Options": "nosniff",
  "Cache-Control": "no-store",
  "Referrer-Policy": "no-referrer",
  "X-Frame-Options": "DENY",
  "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
};

function lowerHeaders(event: APIGatewayProxyEvent): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (value !== undefined) out[name.toLowerCase()] = value;
  }
  return out;
}

/** The body as received, decoded once from base64 when API Gateway encoded it. */
const bodyTextOf = (event: APIGatewayProxyEvent): string =>
  event.isBase64Encoded ? Buffer.from(event.body ?? "", "base64").toString("utf8") : (event.body ?? "");

function readBody(text: string, headers: Record<string, string>): unknown {
  if (Buffer.byteLength(text, "utf8") > MAX_BODY_BYTES) {
    throw new DomainError("payload-too-large", `Request body exceeds ${MAX_BODY_BYTES} bytes`);
  }
  const contentType = (headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase();
  if (contentType !== "application/json") {
    throw new DomainError("unsupported-media-type", "Send the body as Content-Type: application/json");
  }
  if (text.trim() === "") throw new DomainError("malformed-json", "Request body is empty");
  try {
    return JSON.parse(text);
  } catch {
    throw new DomainError("malformed-json", "Request body is not valid JSON");
  }
}

function idempotencyKeyOf(headers: Readonly<Record<string, string>>): string | undefined {
  const raw = headers["idempotency-key"];
  if (raw === undefined) return undefined;
  const parsed = parseIdempotencyKey(raw);
  if (parsed.ok) return parsed.key;
  throw new DomainError("validation-failed", `Idempotency-Key ${IDEMPOTENCY_KEY_RULE}`, {
    errors: [{ field: "Idempotency-Key", message: IDEMPOTENCY_KEY_RULE }],
  });
}

function toRequest(event: APIGatewayProxyEvent, handler: RouteHandler): HttpRequest<never, never, never> {
  const headers = lowerHeaders(event);
  const bodyText = bodyTextOf(event);
  const body = handler.body !== undefined ? readBody(bodyText, headers) : undefined;
  const idempotencyKey = idempotencyKeyOf(headers);
  return {
    body: (handler.body ? parseWith(handler.body, body, "") : undefined) as never,
    params: (handler.params ? parseWith(handler.params, event.pathParameters ?? {}, "") : undefined) as never,
    query: (handler.query
      ? parseWith(handler.query, event.queryStringParameters ?? {}, "")
      : undefined) as never,
    headers,
    principal: principalFromContext(event.requestContext?.authorizer),
    callerArn: event.requestContext?.identity?.userArn ?? undefined,
    requestId: event.requestContext?.requestId ?? "unknown",
    sourceIp: event.requestContext?.identity?.sourceIp ?? "unknown",
    userAgent: event.requestContext?.identity?.userAgent ?? undefined,
    idempotencyKey,
    bodyText,
  };
}

function respond(result: HttpResult, contentType = "application/json"): APIGatewayProxyResult {
  return {
    statusCode: result.status,
    headers: { ...SECURITY_HEADERS, "Content-Type": contentType, ...(result.headers ?? {}) },
    body: result.rawBody ?? (result.body === undefined ? "" : JSON.stringify(result.body)),
  };
}

/**
 * Checks a success result against the route's declared responses and serializes a JSON body through
 * its schema: unknown properties are dropped (no internal field reaches a client by accident) and a
 * body that breaks the schema or an undeclared status is a server error, never a silent contract
 * break. Routes that declare nothing pass through (the contract test refuses them).
 */
function conformingResult(routeKey: string, handler: RouteHandler, result: HttpResult): HttpResult {
  if (!handler.responses || result.status >= 400) return result;
  const declared = handler.responses[result.status];
  if (declared === undefined) {
    throw new Error(`${routeKey} answered ${result.status}, which its responses do not declare`);
  }
  if (declared instanceof z.ZodType) {
    const parsed = declared.safeParse(result.body);
    if (!parsed.success) {
      throw new Error(`${routeKey} ${result.status} body does not match its response schema`, {
        cause: parsed.error,
      });
    }
    return { ...result, body: parsed.data };
  }
  if (declared.kind === "no-content" && (result.body !== undefined || result.rawBody !== undefined)) {
    throw new Error(`${routeKey} ${result.status} is declared without a body but has one`);
  }
  if (declared.kind === "media" && result.rawBody === undefined) {
    throw new Error(`${routeKey} ${result.status} is declared as ${declared.mediaType} but has no rawBody`);
  }
  return result;
}

/** Maps every thrown error to problem+json; logs 5xx with the error (server side only). */
const problemResponses = (): MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult> => ({
  onError: async (request) => {
    const { problem, headers } = toProblem(request.error);
    if (problem.status >= 500) logger.error("request failed", { error: request.error as Error });
    else logger.info("request rejected", { status: problem.status, type: problem.type });
    request.response = respond(
      {
        status: problem.status,
        body: { ...problem, instance: request.event.requestContext?.requestId },
        headers,
      },
      PROBLEM_CONTENT_TYPE,
    );
  },
});

/**
 * The one HTTP chain every API function uses: logger context → route by "METHOD /resource" → zod
 * parse → use case → JSON response with security headers; errors become problem+json.
 */
export function httpHandler(routes: Readonly<Record<string, RouteHandler>>) {
  const base = async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const routeKey = `${event.httpMethod} ${event.resource}`;
    const handler = routes[routeKey];
    if (!handler) throw new DomainError("not-found", "No such route");
    const request = toRequest(event, handler);
    if (request.principal) logger.appendKeys({ accountId: request.principal.accountId });
    const started = performance.now();
    const result = conformingResult(routeKey, handler, await handler.run(request));
    // A success is in API Gateway's access log already (and a state change logs its own INFO line):
    // at INFO only the refusals, so the log stays one INFO line per state change.
    const log = result.status < 400 ? logger.debug.bind(logger) : logger.info.bind(logger);
    log("request handled", {
      route: routeKey,
      status: result.status,
      ms: Math.round(performance.now() - started),
    });
    return respond(result);
  };
  const chain = middy<APIGatewayProxyEvent, APIGatewayProxyResult, Error, Context>(base)
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(problemResponses());
  // The route table stays readable so the OpenAPI document is generated from the same schemas.
  return Object.assign(chain, { routes });
}
