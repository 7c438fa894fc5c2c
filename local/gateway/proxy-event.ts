/**
 * Request → API Gateway REST proxy event (payload format 1.0), built like the real service builds
 * it: resource = path template, case-preserved headers plus multi-value forms, nulls where AWS sends
 * null, and a requestContext with identity and (after the authorizer) the authorizer context.
 */
import { randomBytes, randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { APIGatewayProxyEvent, APIGatewayRequestAuthorizerEvent } from "aws-lambda";
import type { RouteSpec } from "../../lib/catalog/index.ts";
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from "../emulators.ts";

export const LOCAL_API_ID = "local";

interface CompiledRoute {
  readonly route: RouteSpec;
  readonly segments: readonly string[];
}

export interface RouteMatch {
  readonly route: RouteSpec;
  readonly pathParameters: Record<string, string> | null;
}

const splitPath = (path: string): string[] => path.split("/").filter((segment) => segment !== "");
const isParam = (segment: string): boolean => segment.startsWith("{") && segment.endsWith("}");

/** Matches like API Gateway: literal segments beat {params} at the same position. */
export class RouteTable {
  private readonly compiled: CompiledRoute[];

  constructor(routes: readonly RouteSpec[]) {
    this.compiled = routes.map((route) => ({ route, segments: splitPath(route.path) }));
    const rank = (segments: readonly string[]) => segments.map((s) => (isParam(s) ? "1" : "0")).join("");
    this.compiled.sort((a, b) => rank(a.segments).localeCompare(rank(b.segments)));
  }

  match(method: string, path: string): RouteMatch | undefined {
    const requested = splitPath(path);
    for (const { route, segments } of this.compiled) {
      if (route.method !== method || segments.length !== requested.length) continue;
      const params: Record<string, string> = {};
      const fits = segments.every((segment, i) => {
        const actual = requested[i] ?? "";
        if (isParam(segment)) {
          params[segment.slice(1, -1)] = safeDecode(actual);
          return true;
        }
        return segment === actual;
      });
      if (fits) return { route, pathParameters: Object.keys(params).length > 0 ? params : null };
    }
    return undefined;
  }
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

export interface RequestFacts {
  readonly requestId: string;
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly multiValueHeaders: Record<string, string[]>;
  readonly query: Record<string, string> | null;
  readonly multiValueQuery: Record<string, string[]> | null;
  readonly sourceIp: string;
  readonly userAgent: string | null;
  readonly host: string;
  readonly receivedAt: Date;
}

/** Reads method, path, headers (original case) and query from a node request. */
export function requestFacts(req: IncomingMessage, localPort: number): RequestFacts {
  // Prefixing the origin keeps a path such as "//x" a path (as a base URL it would read as a host).
  const target = req.url ?? "/";
  const url = new URL(`http://local${target.startsWith("/") ? "" : "/"}${target}`);
  // Null-prototype maps: a header or query name like "constructor" or "__proto__" is just a name.
  const headers: Record<string, string> = Object.create(null);
  const multiValueHeaders: Record<string, string[]> = Object.create(null);
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] ?? "";
    const value = raw[i + 1] ?? "";
    // A header name keeps the case of its first occurrence, like API Gateway.
    const existing = Object.keys(multiValueHeaders).find((key) => key.toLowerCase() === name.toLowerCase());
    const key = existing ?? name;
    multiValueHeaders[key] = [...(multiValueHeaders[key] ?? []), value];
    headers[key] = value;
  }
  const sourceIp = (req.socket.remoteAddress ?? "127.0.0.1").replace(/^::ffff:/, "");
  const trace = `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString("hex")}`;
  const added: Record<string, string> = {
    "X-Forwarded-For": sourceIp,
    "X-Forwarded-Port": String(localPort),
    "X-Forwarded-Proto": "http",
    "X-Amzn-Trace-Id": trace,
  };
  for (const [name, value] of Object.entries(added)) {
    if (Object.keys(headers).some((key) => key.toLowerCase() === name.toLowerCase())) continue;
    headers[name] = value;
    multiValueHeaders[name] = [value];
  }
  let query: Record<string, string> | null = null;
  let multiValueQuery: Record<string, string[]> | null = null;
  for (const [name, value] of url.searchParams) {
    query ??= Object.create(null) as Record<string, string>;
    multiValueQuery ??= Object.create(null) as Record<string, string[]>;
    query[name] = value;
    multiValueQuery[name] = [...(multiValueQuery[name] ?? []), value];
  }
  return {
    requestId: randomUUID(),
    method: (req.method ?? "GET").toUpperCase(),
    path: url.pathname,
    headers,
    multiValueHeaders,
    query,
    multiValueQuery,
    sourceIp,
    userAgent: req.headers["user-agent"] ?? null,
    host: req.headers.host ?? `127.0.0.1:${localPort}`,
    receivedAt: new Date(),
  };
}

export const methodArn = (stage: string, method: string, path: string): string =>
  `arn:aws:execute-api:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:${LOCAL_API_ID}/${stage}/${method}${path}`;

/** CLF-style time API Gateway puts in requestContext.requestTime: 26/Nov/2026:16:45:57 +0000. */
function requestTime(date: Date): string {
  const months = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(" ");
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${pad(date.getUTCDate())}/${months[date.getUTCMonth()]}/${date.getUTCFullYear()}:${pad(
    date.getUTCHours(),
  )}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
}

/** The IAM caller of an AWS_IAM route, as API Gateway puts it in requestContext.identity. */
export interface IamCaller {
  readonly accessKey: string;
  readonly userArn: string;
  readonly caller: string;
}

function requestContext(facts: RequestFacts, match: RouteMatch, stage: string, iam?: IamCaller) {
  return {
    accountId: LOCAL_ACCOUNT_ID,
    apiId: LOCAL_API_ID,
    resourceId: Buffer.from(match.route.path).toString("hex").slice(0, 6),
    stage,
    requestId: facts.requestId,
    extendedRequestId: facts.requestId,
    requestTime: requestTime(facts.receivedAt),
    requestTimeEpoch: facts.receivedAt.getTime(),
    path: `/${stage}${facts.path}`,
    resourcePath: match.route.path,
    httpMethod: facts.method,
    protocol: "HTTP/1.1",
    domainName: facts.host,
    domainPrefix: facts.host.split(".")[0] ?? facts.host,
    identity: {
      sourceIp: facts.sourceIp,
      userAgent: facts.userAgent,
      accessKey: iam?.accessKey ?? null,
      accountId: iam ? LOCAL_ACCOUNT_ID : null,
      apiKey: null,
      apiKeyId: null,
      caller: iam?.caller ?? null,
      clientCert: null,
      cognitoAuthenticationProvider: null,
      cognitoAuthenticationType: null,
      cognitoIdentityId: null,
      cognitoIdentityPoolId: null,
      principalOrgId: null,
      user: iam?.caller ?? null,
      userArn: iam?.userArn ?? null,
    },
  };
}

/** The request as API Gateway describes it to both the authorizer and the integration. */
const requestFields = (facts: RequestFacts, match: RouteMatch) => ({
  resource: match.route.path,
  path: facts.path,
  httpMethod: facts.method,
  headers: facts.headers,
  multiValueHeaders: facts.multiValueHeaders,
  queryStringParameters: facts.query,
  multiValueQueryStringParameters: facts.multiValueQuery,
  pathParameters: match.pathParameters,
  stageVariables: null,
});

export function proxyEvent(
  facts: RequestFacts,
  match: RouteMatch,
  stage: string,
  body: Buffer,
  authorizer: Record<string, unknown> | undefined,
  iam?: IamCaller,
): APIGatewayProxyEvent {
  return {
    ...requestFields(facts, match),
    requestContext: {
      ...requestContext(facts, match, stage, iam),
      ...(authorizer ? { authorizer } : {}),
    } as APIGatewayProxyEvent["requestContext"],
    // Text payloads as-is; no binary media types are configured on the API.
    body: body.length > 0 ? body.toString("utf8") : null,
    isBase64Encoded: false,
  };
}

export function authorizerEvent(
  facts: RequestFacts,
  match: RouteMatch,
  stage: string,
): APIGatewayRequestAuthorizerEvent {
  return {
    type: "REQUEST",
    methodArn: methodArn(stage, facts.method, facts.path),
    ...requestFields(facts, match),
    requestContext: requestContext(facts, match, stage) as APIGatewayRequestAuthorizerEvent["requestContext"],
  };
}
