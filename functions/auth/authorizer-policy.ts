import { catalog } from "../../lib/catalog/index.ts";
import { isAllowed } from "../shared/policy.ts";
import type { Principal } from "../shared/principal.ts";

export interface PolicyDocument {
  readonly Version: "2012-10-17";
  readonly Statement: ReadonlyArray<{
    Action: "execute-api:Invoke";
    Effect: "Allow" | "Deny";
    Resource: string[];
  }>;
}

/**
 * The IAM policy the authorizer returns: every catalogue route this principal may call, so a cached
 * result (keyed by the Authorization header) is right for all routes, and nothing else is allowed.
 * methodArn: arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{METHOD}/{path}
 */
export function policyFor(principal: Principal, methodArn: string): PolicyDocument {
  const [arnPrefix, stage] = methodArn.split("/");
  const resources = catalog.routes
    .filter(
      (route) => route.auth === "authorized" && route.permission && isAllowed(principal, route.permission),
    )
    .map((route) => `${arnPrefix}/${stage}/${route.method}${route.path.replace(/\{[^}]+\}/g, "*")}`);
  if (resources.length === 0) {
    return {
      Version: "2012-10-17",
      Statement: [{ Action: "execute-api:Invoke", Effect: "Deny", Resource: [methodArn] }],
    };
  }
  return {
    Version: "2012-10-17",
    Statement: [{ Action: "execute-api:Invoke", Effect: "Allow", Resource: resources }],
  };
}
