import type * as iam from "aws-cdk-lib/aws-iam";
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

export interface GrantTargets {
  readonly data: DataConstruct;
  readonly messaging: MessagingConstruct;
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
    const queue = targets.messaging.queue(id);
    if (access === "send") queue.grantSendMessages(grantee);
    else queue.grantConsumeMessages(grantee);
    env[envNames.queueUrl(id)] = queue.queueUrl;
  }
  for (const [id, accesses] of Object.entries(grants.keys ?? {})) {
    const key = targets.data.key(id);
    const actions = [...new Set(accesses.flatMap((access) => KMS_ACTIONS[access]))];
    if (actions.length > 0) key.grant(grantee, ...actions);
    env[envNames.keyArn(id)] = key.keyArn;
  }
  return env;
}

/** True when CDK's table/queue grants add KMS data-key actions with partial wildcards. */
export function grantsUseKeyWildcards(grants: FunctionGrants): boolean {
  const tableWrites = Object.values(grants.tables ?? {}).some((access) => access !== "read");
  const queueSends = Object.values(grants.queues ?? {}).some((access) => access === "send");
  return tableWrites || queueSends;
}
