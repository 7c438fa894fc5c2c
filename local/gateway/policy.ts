/**
 * IAM policy evaluation for Lambda authorizer results, as API Gateway does it: the policy is checked
 * against the request's methodArn; an explicit Deny wins, otherwise an Allow must match.
 */
export interface PolicyStatement {
  readonly Effect?: unknown;
  readonly Action?: unknown;
  readonly Resource?: unknown;
}

const toList = (value: unknown): unknown[] =>
  Array.isArray(value) ? value : value === undefined ? [] : [value];

/** IAM wildcards: `*` any run of characters (slashes included), `?` exactly one. */
export function arnMatches(pattern: string, arn: string): boolean {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replaceAll("*", ".*")
    .replaceAll("?", ".");
  return new RegExp(`^${regex}$`).test(arn);
}

function actionMatches(action: unknown): boolean {
  if (typeof action !== "string") return false;
  const lower = action.toLowerCase();
  return lower === "*" || lower === "execute-api:*" || lower === "execute-api:invoke";
}

/** Returns undefined when the document is malformed (API Gateway answers 500 then). */
export function evaluatePolicy(policyDocument: unknown, methodArn: string): "allow" | "deny" | undefined {
  if (typeof policyDocument !== "object" || policyDocument === null) return undefined;
  const statements = toList((policyDocument as { Statement?: unknown }).Statement);
  if (statements.length === 0) return undefined;
  let allowed = false;
  for (const raw of statements) {
    if (typeof raw !== "object" || raw === null) return undefined;
    const statement = raw as PolicyStatement;
    const applies =
      toList(statement.Action).some(actionMatches) &&
      toList(statement.Resource).some(
        (resource) => typeof resource === "string" && arnMatches(resource, methodArn),
      );
    if (!applies) continue;
    if (statement.Effect === "Deny") return "deny";
    if (statement.Effect === "Allow") allowed = true;
  }
  return allowed ? "allow" : "deny";
}
