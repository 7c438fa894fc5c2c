import { Aws, Stack, Token } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import { RegionInfo } from "aws-cdk-lib/region-info";
import type { IConstruct } from "constructs";
import type { SmsSendTarget } from "./carriers-construct.ts";
import type { FunctionGrants } from "./catalog/index.ts";
import {
  envNames,
  KMS_ACTIONS,
  queueGrantParts,
  queuePartId,
  queueSpec,
  TABLE_ACTIONS,
  TABLE_KEY_ACTIONS,
} from "./catalog/index.ts";
import type { DataConstruct } from "./data-construct.ts";
import type { MessagingConstruct } from "./messaging-construct.ts";

/** Re-exported: the list lives in the catalogue (lib/catalog/iam-actions.ts), shared with local/. */
export { KMS_ACTIONS };

/**
 * The API Gateway calls behind the usagePlan "manage" grant (functions/auth/usage-plan-keys-aws.ts),
 * as HTTP verb → resource paths of arn:<partition>:apigateway:<region>::<path>. API Gateway's IAM
 * actions are HTTP verbs on resource paths; these are the narrowest paths each call allows:
 *   GET    /usageplans              GetUsagePlans (find the plan by name; its id cannot be referenced)
 *   GET    /apikeys                 GetApiKeys (find a key by name on retry and on revoke)
 *   POST   /apikeys                 CreateApiKey
 *   DELETE /apikeys/{id}            DeleteApiKey (key ids are random)
 * CreateUsagePlanKey (POST /usageplans/{id}/keys) is granted on the stage's one plan id by
 * ApiConstruct.allowAddingKeysToUsagePlan, in a policy of its own the function does not wait for.
 */
export const USAGE_PLAN_ACCESS: Readonly<Record<string, readonly string[]>> = {
  "apigateway:GET": ["/usageplans", "/apikeys"],
  "apigateway:POST": ["/apikeys"],
  "apigateway:DELETE": ["/apikeys/*"],
};

export interface GrantTargets {
  readonly data: DataConstruct;
  readonly messaging: MessagingConstruct;
  /** Name of the stage's usage plan, for usagePlan grants (FunctionsConstruct derives it from the stage). */
  readonly usagePlanName?: string;
  /** SES sender for mail grants (deploy context); without it mail grants add nothing. */
  readonly mail?: { readonly sender: string; readonly identity: string; readonly invitationUrl: string };
  /** The configuration set smsVoice "send" grants are scoped to (CarriersConstruct). */
  readonly smsSend?: SmsSendTarget;
  /**
   * Origination identity ARNs (phone-number/…, pool/…, sender-id/…) the stage may send from
   * (context smsOriginationIdentities). Unset: any identity of this account and region.
   */
  readonly smsOriginationIdentityArns?: readonly string[];
}

/** Resource kinds SendTextMessage authorises besides the configuration set. */
export const SMS_IDENTITY_KINDS = ["phone-number", "pool", "sender-id", "opt-out-list"] as const;

/** sms-voice ARNs of this account and region: arn:<partition>:sms-voice:<region>:<account>:<path>. */
export const smsVoiceArn = (path: string): string =>
  `arn:${Aws.PARTITION}:sms-voice:${Aws.REGION}:${Aws.ACCOUNT_ID}:${path}`;

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
    // Exactly the catalogue's actions (the local platform enforces the same list), on the table and
    // its indexes; then the at-rest key actions CDK's grantXData would add.
    table.grant(grantee, ...TABLE_ACTIONS[access]);
    table.encryptionKey?.grant(grantee, ...TABLE_KEY_ACTIONS[access]);
    env[envNames.table(id)] = table.tableName;
  }
  for (const [id, access] of Object.entries(grants.queues ?? {})) {
    // Each part the grant reaches (consumeDeadLetters: the DLQ only; consumeRetryAndDeadLetter:
    // the work queue and sending to its DLQ; operateDeadLetters: sending to the work queue and
    // consuming its DLQ and parked queue), with exactly the catalogue's actions on it and its key.
    for (const { part, actions, keyActions } of queueGrantParts(access, queueSpec(id))) {
      const queue = targets.messaging.part(id, part);
      queue.grant(grantee, ...actions);
      if (keyActions.length > 0) queue.encryptionMasterKey?.grant(grantee, ...keyActions);
      env[envNames.queueUrl(queuePartId(id, part))] = queue.queueUrl;
    }
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
  if (grants.smsVoice === "send") {
    if (!targets.smsSend) throw new Error("grants: smsVoice needs targets.smsSend (CarriersConstruct)");
    const identities = targets.smsOriginationIdentityArns?.length
      ? [...targets.smsOriginationIdentityArns, smsVoiceArn("opt-out-list/*")]
      : SMS_IDENTITY_KINDS.map((kind) => smsVoiceArn(`${kind}/*`));
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ["sms-voice:SendTextMessage"],
        resources: [targets.smsSend.configurationSetArn, ...identities],
      }),
    );
    env[envNames.smsConfigurationSet] = targets.smsSend.configurationSetName;
  }
  return env;
}

/** True when the at-rest key actions of the function's table/queue grants include partial wildcards. */
export function grantsUseKeyWildcards(grants: FunctionGrants): boolean {
  const keyActions = [
    ...Object.values(grants.tables ?? {}).flatMap((access) => TABLE_KEY_ACTIONS[access]),
    ...Object.entries(grants.queues ?? {}).flatMap(([id, access]) =>
      queueGrantParts(access, queueSpec(id)).flatMap((part) => part.keyActions),
    ),
  ];
  return keyActions.some((action) => action.includes("*"));
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
