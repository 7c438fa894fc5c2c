/**
 * A function's identity-based policy, built from its catalogue grants with the same action lists
 * CDK grants on AWS (lib/catalog/iam-actions.ts), and evaluated like IAM: allowed only if some
 * statement names the action and the resource (`*` wildcards; actions case-insensitive).
 */
import {
  catalog,
  type FunctionGrants,
  KMS_ACTIONS,
  physicalName,
  queueGrantParts,
  queuePartId,
  queueSpec,
  smsConfigurationSetName,
  TABLE_ACTIONS,
} from "../../lib/catalog/index.ts";
import {
  type ArnScope,
  type AuthorizationRequest,
  keyArn,
  queueArn,
  smsVoiceArn,
  tableArn,
} from "./requests.ts";

export interface PolicyStatement {
  readonly actions: readonly string[];
  readonly resources: readonly string[];
}

export interface PolicyScope extends ArnScope {
  readonly stage: string;
}

/**
 * Locally a catalogue key has no KMS ARN; this stands in for it in policies and in refusals of the
 * local keyring / signing-key file (see key-guard.ts).
 */
export const localKeyArn = (scope: PolicyScope, keyId: string): string =>
  keyArn(scope, physicalName(scope.stage, keyId));

export function policyStatements(grants: FunctionGrants, scope: PolicyScope): PolicyStatement[] {
  const statements: PolicyStatement[] = [];
  for (const [id, access] of Object.entries(grants.tables ?? {})) {
    const arn = tableArn(scope, physicalName(scope.stage, id));
    const hasIndexes = (catalog.tables.find((table) => table.id === id)?.indexes?.length ?? 0) > 0;
    statements.push({
      actions: TABLE_ACTIONS[access],
      resources: hasIndexes ? [arn, `${arn}/index/*`] : [arn],
    });
  }
  for (const [id, access] of Object.entries(grants.queues ?? {})) {
    for (const { part, actions } of queueGrantParts(access, queueSpec(id))) {
      const name = physicalName(scope.stage, queuePartId(id, part));
      statements.push({ actions, resources: [queueArn(scope, name)] });
    }
  }
  for (const [id, accesses] of Object.entries(grants.keys ?? {})) {
    statements.push({
      actions: accesses.flatMap((access) => KMS_ACTIONS[access]),
      resources: [localKeyArn(scope, id)],
    });
  }
  if (grants.smsVoice === "send") {
    // As lib/function-grants.ts: the stage's configuration set (origination identities by kind).
    statements.push({
      actions: ["sms-voice:SendTextMessage"],
      resources: [smsVoiceArn(scope, `configuration-set/${smsConfigurationSetName(scope.stage)}`)],
    });
  }
  return statements;
}

const escapeRegExp = (text: string): string => text.replace(/[.+?^${}()|[\]\\]/g, "\\$&");
const glob = (pattern: string, flags = ""): RegExp =>
  new RegExp(`^${pattern.split("*").map(escapeRegExp).join(".*")}$`, flags);

export function allows(statements: readonly PolicyStatement[], request: AuthorizationRequest): boolean {
  return statements.some(
    (statement) =>
      statement.actions.some((action) => glob(action, "i").test(request.action)) &&
      statement.resources.some((resource) => glob(resource).test(request.resource)),
  );
}
