import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from "aws-lambda";
import { verifyAccessToken } from "../identity/access-token.ts";
import { accountIsActive } from "../identity/users-store.ts";
import { systemClock } from "../shared/clock.ts";
import { logger } from "../shared/logger.ts";
import { type Principal, principalToContext } from "../shared/principal.ts";
import { findActiveApiKey, looksLikeApiKey, touchApiKey } from "./api-keys.ts";
import { policyFor } from "./authorizer-policy.ts";
import { ipAllowed } from "./ip-allow-list.ts";
import { usageIdentifier } from "./usage-plan-keys.ts";

/**
 * REQUEST authorizer for every "authorized" route. Accepts `Bearer tg_live_…` API keys and
 * `Bearer <access JWT>`. Any failure is the same "Unauthorized" (→ 401 problem+json at the gateway),
 * so callers learn nothing about which part was wrong.
 */
function bearer(event: APIGatewayRequestAuthorizerEvent): string | undefined {
  const header = Object.entries(event.headers ?? {}).find(
    ([name]) => name.toLowerCase() === "authorization",
  )?.[1];
  const match = /^Bearer ([^\s]{16,4096})$/.exec(header ?? "");
  return match?.[1];
}

async function principalFor(token: string, sourceIp: string): Promise<Principal | undefined> {
  if (!looksLikeApiKey(token)) return verifyAccessToken(token);
  const key = await findActiveApiKey(token);
  if (!key || !ipAllowed(sourceIp, key.ipAllowList)) return undefined;
  // A suspended or closed account's keys are refused (within the 30 s result cache).
  if (!(await accountIsActive(key.accountId))) return undefined;
  // "Last used" is bookkeeping: a failed stamp (throttling, a missing grant) is logged, never a 500
  // for a caller whose key is valid.
  await touchApiKey(key, systemClock).catch((error: unknown) =>
    logger.error("api key last-use stamp failed", {
      keyId: key.keyId,
      error: error instanceof Error ? error.name : "unknown",
    }),
  );
  return { accountId: key.accountId, principalId: key.keyId, type: "apiKey", scopes: key.scopes };
}

export async function handler(event: APIGatewayRequestAuthorizerEvent): Promise<APIGatewayAuthorizerResult> {
  const token = bearer(event);
  const principal = token
    ? await principalFor(token, event.requestContext?.identity?.sourceIp ?? "")
    : undefined;
  if (!principal) {
    logger.info("authorization refused", { reason: token ? "invalid credentials" : "no bearer token" });
    throw new Error("Unauthorized");
  }
  return {
    principalId: principal.principalId,
    policyDocument: policyFor(principal, event.methodArn) as APIGatewayAuthorizerResult["policyDocument"],
    context: principalToContext(principal),
    // Per-key usage-plan throttling keys on this value (API key source AUTHORIZER). On AWS it must be
    // a registered plan key: key ids at key creation, account ids at account creation (usage-plan-keys.ts).
    usageIdentifierKey: usageIdentifier(
      principal.type === "apiKey" ? principal.principalId : principal.accountId,
    ),
  };
}
