import { Aws, Stack, Token } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import { RegionInfo } from "aws-cdk-lib/region-info";
import type { IConstruct } from "constructs";
import type { FunctionGrants, KeyAccess } from "./catalog/index.ts";
import { envNames } from "./catalog/index.ts";
import type { DataConstruct } from "./data-construct.ts";
import type { MessagingConstruct } from "./messaging-construct.ts";

/**
 * The exact KMS actions behind each catalogue key grant, no wildcards. `encrypt` includes
 * GenerateDataKey because field-level encryption is envelope encryption (a data key per field set).
 */
export const KMS_ACTIONS: Readonly<Record<KeyAccess, readonly string[]>> = {
  encrypt: ["kms:Encrypt", "kms:GenerateDataKey"],
  decrypt: ["kms:Decrypt"],
  sign: ["kms:Sign"],
  getPublicKey: ["kms:GetPublicKey"],
};

/**
 * The API Gateway calls behind the usagePlan "manage" grant (functions/auth/usage-plan-keys-aws.ts),
 * as HTTP verb → resource paths of arn:<partition>:apigateway:<region>::<path>. API Gateway's IAM
 * actions are HTTP verbs on resource paths; these are the narrowest paths each call allows:
 *   GET    /usageplans              GetUsagePlans (find the plan by name; its id cannot be referenced)
 *   GET    /apikeys                 GetApiKeys (find a key by name on retry and on revoke)
 *   POST   /apikeys                 CreateApiKey
 *   POST   /usageplans/{id}/keys    CreateUsagePlanKey (the plan id is not known at synth: cycle)
 *   DELETE /apikeys/{id}            DeleteApiKey (key ids are random)
 */
export const USAGE_PLAN_ACCESS: Readonly<Record<string, readonly string[]>> = {
  "apigateway:GET": ["/usageplans", "/apikeys"],
  "apigateway:POST": ["/apikeys", "/usageplans/*/keys"],
  "apigateway:DELETE": ["/apikeys/*"],
};

export interface GrantTargets {
  readonly data: DataConstruct;
  readonly messaging: MessagingConstruct;
  /** Name of the stage's usage plan, for usagePlan grants (FunctionsConstruct derives it from the stage). */
  readonly usagePlanName?: string;
  /** SES sender for mail grants (deploy context); without it mail grants add nothing. */
  readonly mail?: { readonly sender: string; readonly identity: string; readonly invitationUrl: string };
}

/**
 * Applies a function's catalogue grants (least privilege) and returns the env for exactly those
 * resources: a function sees the name/URL/ARN of nothing it cannot use.
 */
export function applyGrants(
  grantee: iam.IGrantable,
  grants: FunctionGrants,
  targets: GrantTargets,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [id, access] of Object.entries(grants.tables ?? {})) {
    const table = targets.data.table(id);
    if (access === "read") table.grantReadData(grantee);
    else if (access === "write") table.grantWriteData(grantee);
    else table.grantReadWriteData(grantee);
    env[envNames.table(id)] = table.tableName;
  }
  for (const [id, access] of Object.entries(grants.queues ?? {})) {
    if (access === "consumeDeadLetters") {
      // The DLQ only: its consumer has no business with the work queue.
      const dlq = targets.messaging.dlq(id);
      dlq.grantConsumeMessages(grantee);
      env[envNames.queueUrl(`${id}-dlq`)] = dlq.queueUrl;
      continue;
    }
    const queue = targets.messaging.queue(id);
    if (access === "send") queue.grantSendMessages(grantee);
    else if (access === "consume") queue.grantConsumeMessages(grantee);
    else if (access === "consumeAndSend") {
      queue.grantConsumeMessages(grantee);
      queue.grantSendMessages(grantee);
    }
    // Depth only: no receive/delete, and no KMS (attributes are not encrypted).
    else queue.grant(grantee, "sqs:GetQueueAttributes");
    env[envNames.queueUrl(id)] = queue.queueUrl;
  }
  for (const [id, accesses] of Object.entries(grants.keys ?? {})) {
    const key = targets.data.key(id);
    const actions = [...new Set(accesses.flatMap((access) => KMS_ACTIONS[access]))];
    if (actions.length > 0) key.grant(grantee, ...actions);
    env[envNames.keyArn(id)] = key.keyArn;
  }
  if (grants.usagePlan === "manage") {
    if (!targets.usagePlanName) throw new Error("grants: usagePlan needs targets.usagePlanName");
    const scope = grantee.grantPrincipal as unknown as IConstruct;
    for (const [action, paths] of Object.entries(USAGE_PLAN_ACCESS)) {
      grantee.grantPrincipal.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: [action],
          resources: paths.map((path) => apiGatewayArn(scope, path)),
        }),
      );
    }
    env[envNames.usagePlanName] = targets.usagePlanName;
  }
  if (grants.mail === "send" && targets.mail) {
    // SendEmail as the one verified identity only (no other sender, no other SES action).
    const scope = grantee.grantPrincipal as unknown as IConstruct;
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ["ses:SendEmail"],
        resources: [sesIdentityArn(scope, targets.mail.identity)],
      }),
    );
    env[envNames.mailSender] = targets.mail.sender;
    env[envNames.invitationUrl] = targets.mail.invitationUrl;
  }
  return env;
}

/** True when CDK's table/queue grants add KMS data-key actions with partial wildcards. */
export function grantsUseKeyWildcards(grants: FunctionGrants): boolean {
  const tableWrites = Object.values(grants.tables ?? {}).some((access) => access !== "read");
  const queueSends = Object.values(grants.queues ?? {}).some(
    (access) => access === "send" || access === "consumeAndSend",
  );
  return tableWrites || queueSends;
}

/**
 * arn:<partition>:apigateway:<region>::<path> (API Gateway management ARNs have no account). With a
 * concrete region (bin/ always sets one) the partition is written out, so the ARN is a plain string.
 */
export function apiGatewayArn(scope: IConstruct, path: string): string {
  const region = Stack.of(scope).region;
  const partition = Token.isUnresolved(region)
    ? Aws.PARTITION
    : (RegionInfo.get(region).partition ?? Aws.PARTITION);
  return `arn:${partition}:apigateway:${region}::${path}`;
}

/** arn:<partition>:ses:<region>:<account>:identity/<address or domain>, partition written out as above. */
export function sesIdentityArn(scope: IConstruct, identity: string): string {
  const stack = Stack.of(scope);
  const partition = Token.isUnresolved(stack.region)
    ? Aws.PARTITION
    : (RegionInfo.get(stack.region).partition ?? Aws.PARTITION);
  return `arn:${partition}:ses:${stack.region}:${stack.account}:identity/${identity}`;
}
