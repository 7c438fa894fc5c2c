/**
 * Lambda REQUEST authorizer, honoured like API Gateway does: identity source = Authorization
 * header (missing → 401 without invoking), Error("Unauthorized") → 401, the returned policy is
 * evaluated against the methodArn (403 unless allowed), results cached per (header, source IP) for 30 s
 * and re-evaluated against each request's methodArn, context → requestContext.authorizer.
 */
import type { APIGatewayRequestAuthorizerEvent } from "aws-lambda";
import { authorizerIdentity } from "../../lib/catalog/api.ts";
import { evaluatePolicy } from "./policy.ts";

export const AUTHORIZER_CACHE_TTL_MS = authorizerIdentity.cacheTtlSeconds * 1000;

export type AuthorizerDecision =
  | {
      readonly kind: "allow";
      readonly authorizer: Record<string, unknown>;
      readonly usageIdentifierKey?: string;
    }
  | { readonly kind: "unauthorized" }
  | { readonly kind: "forbidden" }
  /** The authorizer failed or returned something API Gateway cannot use: 500. */
  | { readonly kind: "error"; readonly reason: string };

interface AuthorizerResult {
  readonly principalId: string;
  readonly policyDocument: unknown;
  readonly context: Record<string, string | number | boolean>;
  readonly usageIdentifierKey?: string;
}

type InvokeAuthorizer = (event: APIGatewayRequestAuthorizerEvent) => Promise<unknown>;

function headerValue(headers: Record<string, string | undefined>, name: string): string | undefined {
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : headers[key];
}

/** Validates the authorizer's output shape; undefined when API Gateway would reject it. */
function readResult(output: unknown): AuthorizerResult | undefined {
  if (typeof output !== "object" || output === null) return undefined;
  const { principalId, policyDocument, context, usageIdentifierKey } = output as Record<string, unknown>;
  if (typeof principalId !== "string" || policyDocument === undefined) return undefined;
  const flat: Record<string, string | number | boolean> = {};
  if (context !== undefined && context !== null) {
    if (typeof context !== "object") return undefined;
    for (const [key, value] of Object.entries(context)) {
      // API Gateway only passes primitives; objects/arrays make the authorizer response invalid.
      if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean")
        return undefined;
      flat[key] = value;
    }
  }
  if (usageIdentifierKey !== undefined && typeof usageIdentifierKey !== "string") return undefined;
  return {
    principalId,
    policyDocument,
    context: flat,
    ...(usageIdentifierKey ? { usageIdentifierKey } : {}),
  };
}

export class LocalAuthorizer {
  private readonly cache = new Map<string, { result: AuthorizerResult; expiresAt: number }>();

  constructor(
    private readonly invoke: InvokeAuthorizer,
    private readonly ttlMs: number = AUTHORIZER_CACHE_TTL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  async authorize(event: APIGatewayRequestAuthorizerEvent): Promise<AuthorizerDecision> {
    const header = headerValue(event.headers ?? {}, authorizerIdentity.header);
    if (!header) return { kind: "unauthorized" };
    // Same cache key as the deployed authorizer's identity sources (see lib/catalog/api.ts).
    const identity = authorizerIdentity.includeSourceIp
      ? `${header}\n${event.requestContext?.identity?.sourceIp ?? ""}`
      : header;
    let result = this.cached(identity);
    let latency = 0;
    if (!result) {
      const started = this.now();
      let output: unknown;
      try {
        output = await this.invoke(event);
      } catch (error) {
        if (error instanceof Error && error.message === "Unauthorized") return { kind: "unauthorized" };
        return { kind: "error", reason: "authorizer threw" };
      }
      latency = this.now() - started;
      result = readResult(output);
      if (!result) return { kind: "error", reason: "authorizer returned an invalid response" };
      if (this.ttlMs > 0) this.cache.set(identity, { result, expiresAt: this.now() + this.ttlMs });
    }
    const verdict = evaluatePolicy(result.policyDocument, event.methodArn);
    if (verdict === undefined) return { kind: "error", reason: "authorizer returned an invalid policy" };
    if (verdict === "deny") return { kind: "forbidden" };
    return {
      kind: "allow",
      // API Gateway stringifies context values; its own principalId wins over a context key of that name.
      authorizer: {
        ...Object.fromEntries(Object.entries(result.context).map(([k, v]) => [k, String(v)])),
        principalId: result.principalId,
        integrationLatency: latency,
      },
      ...(result.usageIdentifierKey ? { usageIdentifierKey: result.usageIdentifierKey } : {}),
    };
  }

  private cached(identity: string): AuthorizerResult | undefined {
    const entry = this.cache.get(identity);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.cache.delete(identity);
      return undefined;
    }
    return entry.result;
  }
}
