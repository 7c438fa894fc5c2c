/**
 * Local stand-in for API Gateway (REST API, Lambda proxy integration): same routes as the catalogue,
 * the Lambda authorizer, stage/method/usage-plan throttling and problem+json gateway errors.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { APIGatewayProxyResult } from "aws-lambda";
import {
  PROBLEM_CONTENT_TYPE,
  type ProblemSlug,
  problemOf,
  problemTypes,
} from "../functions/shared/problem.ts";
import { catalog, type FunctionSpec, type RouteSpec } from "../lib/catalog/index.ts";
import { AUTHORIZER_CACHE_TTL_MS, LocalAuthorizer } from "./gateway/authorizer.ts";
import { type OperatorCredential, verifyIamRequest } from "./gateway/iam-auth.ts";
import {
  authorizerEvent,
  type IamCaller,
  proxyEvent,
  type RequestFacts,
  RouteTable,
  requestFacts,
} from "./gateway/proxy-event.ts";
import { defaultThrottle, type ThrottleConfig, Throttler } from "./gateway/throttle.ts";
import { type FunctionInvoker, type HandlerLoader, inProcessInvoker } from "./lambda-runtime.ts";

/** API Gateway's payload limit. */
export const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;

export type OutboxReader = (to: string | undefined) => unknown;
/** Emails the platform sent (the local stand-in for SES), newest first. */
export type MailReader = (to: string | undefined) => Promise<unknown>;

export interface ApiGatewayOptions {
  readonly stage: string;
  /** 0 (default) picks a free port. Always bound to 127.0.0.1. */
  readonly port?: number;
  readonly routes?: readonly RouteSpec[];
  readonly functions?: readonly FunctionSpec[];
  readonly loader?: HandlerLoader;
  /** Runs invocations (e.g. in worker threads); default: in this thread with `loader`. */
  readonly invoke?: FunctionInvoker;
  readonly throttle?: Partial<ThrottleConfig>;
  /** Function id of the Lambda authorizer. */
  readonly authorizerFunction?: string;
  readonly authorizerCacheTtlMs?: number;
  /** Serves GET /_local/outbox (the carrier simulator's outbox). */
  readonly outbox?: OutboxReader;
  /** Serves GET /_local/mail?to= (the local mail outbox). */
  readonly mail?: MailReader;
  readonly maxPayloadBytes?: number;
  /** IAM principals allowed on "iam" routes (SigV4-verified); none means every iam route refuses. */
  readonly operators?: readonly OperatorCredential[];
  /** Called with gateway-side failures (handler threw, bad output); default: one line on stderr. */
  readonly onError?: (message: string, error: unknown) => void;
}

export interface RunningGateway {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

class PayloadTooLarge extends Error {}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new PayloadTooLarge());
        req.resume(); // drain, so the 413 can still be written
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/**
 * Gateway-made errors, shaped like the deployed gateway responses (lib/gateway-responses.ts): the
 * problem's title as detail (API Gateway's own message is never echoed for these), the same
 * security headers, Retry-After on throttling.
 */
function sendProblem(
  res: ServerResponse,
  requestId: string,
  slug: ProblemSlug,
  options: { detail?: string; retryAfterSeconds?: number } = {},
): void {
  const retryAfter =
    options.retryAfterSeconds === undefined ? undefined : Math.max(1, Math.ceil(options.retryAfterSeconds));
  const problem = problemOf(slug, options.detail ?? problemTypes[slug].title, {
    instance: requestId,
    ...(retryAfter === undefined ? {} : { retryAfter }),
  });
  res.writeHead(problem.status, {
    "Content-Type": PROBLEM_CONTENT_TYPE,
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains; preload",
    "x-amzn-RequestId": requestId,
    ...(retryAfter === undefined ? {} : { "Retry-After": String(retryAfter) }),
  });
  res.end(JSON.stringify(problem));
}

/** Lambda proxy output as API Gateway validates it; undefined means "Malformed Lambda proxy response". */
function readProxyResult(output: unknown): APIGatewayProxyResult | undefined {
  if (typeof output !== "object" || output === null) return undefined;
  const result = output as Record<string, unknown>;
  const status = result.statusCode;
  if (typeof status !== "number" || !Number.isInteger(status) || status < 100 || status > 599)
    return undefined;
  if (result.body !== undefined && result.body !== null && typeof result.body !== "string") return undefined;
  const primitive = (v: unknown) => ["string", "number", "boolean"].includes(typeof v);
  if (result.headers !== undefined && result.headers !== null) {
    if (typeof result.headers !== "object" || !Object.values(result.headers).every(primitive))
      return undefined;
  }
  if (result.multiValueHeaders !== undefined && result.multiValueHeaders !== null) {
    const values = Object.values(result.multiValueHeaders as object);
    if (!values.every((v) => Array.isArray(v) && v.every(primitive))) return undefined;
  }
  return output as APIGatewayProxyResult;
}

function writeProxyResult(res: ServerResponse, result: APIGatewayProxyResult, requestId: string): void {
  const headers: Record<string, string | string[]> = { "Content-Type": "application/json" };
  const setHeader = (name: string, value: string | string[]) => {
    const existing = Object.keys(headers).find((key) => key.toLowerCase() === name.toLowerCase());
    if (existing) delete headers[existing];
    headers[name] = value;
  };
  for (const [name, value] of Object.entries(result.multiValueHeaders ?? {}))
    setHeader(name, value.map(String));
  for (const [name, value] of Object.entries(result.headers ?? {})) setHeader(name, String(value));
  setHeader("x-amzn-RequestId", requestId);
  const body = result.body ?? "";
  res.writeHead(result.statusCode, headers);
  res.end(result.isBase64Encoded ? Buffer.from(body, "base64") : body);
}

export async function startApiGateway(options: ApiGatewayOptions): Promise<RunningGateway> {
  const routes = new RouteTable(options.routes ?? catalog.routes);
  const functions = options.functions ?? catalog.functions;
  const throttler = new Throttler({ ...defaultThrottle, ...options.throttle });
  const maxPayload = options.maxPayloadBytes ?? MAX_PAYLOAD_BYTES;
  const onError =
    options.onError ??
    ((message: string, error: unknown) =>
      console.error(`local gateway: ${message}: ${error instanceof Error ? error.message : String(error)}`));
  const fnSpec = (id: string): FunctionSpec | undefined => functions.find((fn) => fn.id === id);
  const run = options.invoke ?? inProcessInvoker(options.stage, options.loader);

  const authorizerSpec = fnSpec(options.authorizerFunction ?? "authorizer");
  const authorizer = authorizerSpec
    ? new LocalAuthorizer(
        (event) => run(authorizerSpec, event),
        options.authorizerCacheTtlMs ?? AUTHORIZER_CACHE_TTL_MS,
      )
    : undefined;
  let port = 0;

  async function serveOutbox(res: ServerResponse, facts: RequestFacts): Promise<void> {
    if (!options.outbox)
      return sendProblem(res, facts.requestId, "not-found", { detail: "No carrier simulator is running" });
    const messages = await options.outbox(facts.query?.to);
    res.writeHead(200, { "Content-Type": "application/json", "Cache-Control": "no-store" });
    res.end(JSON.stringify(messages));
  }

  async function serveMail(res: ServerResponse, facts: RequestFacts): Promise<void> {
    if (!options.mail)
      return sendProblem(res, facts.requestId, "not-found", { detail: "No local mail outbox is configured" });
    const mails = await options.mail(facts.query?.to);
    res.writeHead(200, { "Content-Type": "application/json", "Cache-Control": "no-store" });
    res.end(JSON.stringify(mails));
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const facts = requestFacts(req, port);
    let body: Buffer;
    try {
      body = await readBody(req, maxPayload);
    } catch (error) {
      if (error instanceof PayloadTooLarge) {
        res.setHeader("Connection", "close");
        return sendProblem(res, facts.requestId, "payload-too-large");
      }
      throw error;
    }
    const match = routes.match(
      facts.method,
      facts.path.length > 1 ? facts.path.replace(/\/$/, "") : facts.path,
    );
    if (!match) {
      if (facts.method === "GET" && facts.path === "/_local/outbox") return serveOutbox(res, facts);
      if (facts.method === "GET" && facts.path === "/_local/mail") return serveMail(res, facts);
      return sendProblem(res, facts.requestId, "not-found");
    }
    const { route } = match;
    const methodWait = throttler.takeMethod(`${route.method} ${route.path}`, route.throttle);
    if (methodWait > 0) {
      return sendProblem(res, facts.requestId, "rate-limited", { retryAfterSeconds: methodWait });
    }
    let authorizerContext: Record<string, unknown> | undefined;
    let iamCaller: IamCaller | undefined;
    if (route.auth === "iam") {
      const decision = await verifyIamRequest(facts, body, options.operators ?? []);
      // As API Gateway: MISSING_AUTHENTICATION_TOKEN, mapped like an unknown path (iam-auth.ts).
      if (decision.kind === "missing") return sendProblem(res, facts.requestId, "not-found");
      if (decision.kind === "unsigned") return sendProblem(res, facts.requestId, "unauthorized");
      if (decision.kind === "refused") return sendProblem(res, facts.requestId, "forbidden");
      iamCaller = {
        accessKey: decision.operator.accessKeyId,
        userArn: decision.operator.arn,
        caller: decision.operator.accessKeyId,
      };
    }
    if (route.auth === "authorized") {
      if (!authorizer) {
        onError(
          `route ${route.method} ${route.path} needs an authorizer`,
          "no authorizer function in the catalogue",
        );
        return sendProblem(res, facts.requestId, "internal-error");
      }
      const decision = await authorizer.authorize(authorizerEvent(facts, match, options.stage));
      switch (decision.kind) {
        case "unauthorized":
          return sendProblem(res, facts.requestId, "unauthorized");
        case "forbidden":
          return sendProblem(res, facts.requestId, "forbidden");
        case "error":
          onError("authorizer failed", decision.reason);
          return sendProblem(res, facts.requestId, "internal-error");
      }
      if (decision.usageIdentifierKey) {
        const keyWait = throttler.takeApiKey(decision.usageIdentifierKey);
        if (keyWait > 0) {
          return sendProblem(res, facts.requestId, "rate-limited", { retryAfterSeconds: keyWait });
        }
      }
      authorizerContext = decision.authorizer;
    }
    const fn = fnSpec(route.function);
    if (!fn) {
      onError(`route ${route.method} ${route.path}`, `unknown function "${route.function}"`);
      return sendProblem(res, facts.requestId, "bad-gateway", { detail: "Integration is not configured" });
    }
    let output: unknown;
    try {
      output = await run(fn, proxyEvent(facts, match, options.stage, body, authorizerContext, iamCaller));
    } catch (error) {
      onError(`${fn.id} failed`, error);
      return sendProblem(res, facts.requestId, "bad-gateway", {
        detail: "The function failed to handle the request",
      });
    }
    const result = readProxyResult(output);
    if (!result) {
      onError(`${fn.id} returned a malformed proxy response`, typeof output);
      return sendProblem(res, facts.requestId, "bad-gateway", { detail: "Malformed Lambda proxy response" });
    }
    writeProxyResult(res, result, facts.requestId);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      onError("gateway error", error);
      if (!res.headersSent) sendProblem(res, "unknown", "internal-error");
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
