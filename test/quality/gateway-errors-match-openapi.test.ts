/**
 * Errors API Gateway makes itself (authorizer 401/403, throttling 429 with Retry-After, payload 413,
 * integration failure 502, authorizer failure 500) are documented on the operations they hit: the
 * local gateway (same shapes as lib/gateway-responses.ts) with the real catalogue routes, stub
 * functions, and the generated document checked by the contract checker. No emulators needed.
 */
import type { APIGatewayRequestAuthorizerEvent } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildOpenApi } from "../../functions/docs/openapi.ts";
import { loadRouteTables } from "../../functions/docs/route-tables.ts";
import { catalog } from "../../lib/catalog/index.ts";
import { type RunningGateway, startApiGateway } from "../../local/api-gateway.ts";
import type { LambdaHandler } from "../../local/lambda-runtime.ts";
import { OpenApiContract } from "../support/openapi-contract.ts";

/** Token → authorizer behaviour. */
async function stubAuthorizer(raw: unknown) {
  const event = raw as APIGatewayRequestAuthorizerEvent;
  const token = (event.headers?.Authorization ?? event.headers?.authorization ?? "").replace("Bearer ", "");
  if (token === "unknown") throw new Error("Unauthorized");
  if (token === "broken") throw new Error("authorizer crashed");
  const base = event.methodArn.split("/").slice(0, 2).join("/");
  return {
    principalId: "key_1",
    policyDocument: {
      Version: "2012-10-17",
      Statement: [
        {
          Effect: token === "denied" ? "Deny" : "Allow",
          Action: "execute-api:Invoke",
          Resource: `${base}/*`,
        },
      ],
    },
    context: { accountId: "acc_1" },
    usageIdentifierKey: `usage-${token}`,
  };
}

/** Every function fails: what reaches the client is the gateway's 502. */
const failingFunction: LambdaHandler = async () => {
  throw new Error("function crashed");
};

let gateway: RunningGateway;
let contract: OpenApiContract;

beforeAll(async () => {
  const { tables } = await loadRouteTables(catalog);
  contract = new OpenApiContract(buildOpenApi(catalog.routes, tables));
  gateway = await startApiGateway({
    stage: "test",
    loader: async (fn) => (fn.id === "authorizer" ? stubAuthorizer : failingFunction) as LambdaHandler,
    maxPayloadBytes: 1024,
    // One request per key, then throttled: the second request of a key meets the usage plan.
    throttle: { usagePlan: { rateLimit: 0.001, burstLimit: 1 } },
    authorizerCacheTtlMs: 0,
    onError: () => {},
  });
}, 60_000);
afterAll(() => gateway?.stop());

async function violationsOf(method: string, path: string, token?: string, body?: string) {
  const response = await fetch(`${gateway.url}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body ? { "content-type": "application/json" } : {}),
    },
    ...(body ? { body } : {}),
  });
  const observed = {
    method,
    path,
    status: response.status,
    headers: response.headers,
    body: await response.text(),
  };
  return { status: observed.status, violations: contract.violations(observed) };
}

describe("gateway-made errors match the OpenAPI document", () => {
  it.each([
    ["401 unknown credentials", "GET", "/v1/messages/msg_1", "unknown", 401],
    ["403 authorizer deny", "GET", "/v1/verifications/ver_1", "denied", 403],
    ["500 authorizer failure", "GET", "/v1/audit/events", "broken", 500],
    ["502 function failure", "POST", "/v1/verifications/ver_1/cancel", "fine", 502],
  ])("%s", async (_name, method, path, token, status) => {
    const result = await violationsOf(method, path, token);
    expect(result.status).toBe(status);
    expect(result.violations).toEqual([]);
  });

  it("413 from the payload limit, on a public route", async () => {
    const result = await violationsOf(
      "POST",
      "/v1/auth/login",
      undefined,
      JSON.stringify({ pad: "x".repeat(2048) }),
    );
    expect(result.status).toBe(413);
    expect(result.violations).toEqual([]);
  });

  it("429 from the usage plan carries Retry-After", async () => {
    await violationsOf("GET", "/v1/account/me", "thrifty");
    const result = await violationsOf("GET", "/v1/account/me", "thrifty");
    expect(result.status).toBe(429);
    expect(result.violations).toEqual([]);
  });
});
