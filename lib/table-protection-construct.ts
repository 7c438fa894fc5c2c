import { NestedStack } from "aws-cdk-lib";
import type * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as cr from "aws-cdk-lib/custom-resources";
import { Construct } from "constructs";
import { acknowledge } from "./acknowledge.ts";

export interface TableProtectionProps {
  /** The stage's tables (DataConstruct.tables). */
  readonly tables: ReadonlyMap<string, dynamodb.TableV2>;
  /**
   * Constructs that must exist before protection is switched on: everything else in the stack, so
   * that this runs last in a first deploy.
   * @default none
   */
  readonly after?: readonly Construct[];
}

/**
 * Turns on DynamoDB deletion protection once the rest of the stack exists.
 *
 * Tables keep their data across stack deletion and replacement (RETAIN_ON_UPDATE_OR_DELETE), and a
 * first deploy that rolls back removes them so a retry does not fail with "already exists". Deletion
 * protection set in the template would defeat that: it also refuses CloudFormation's own delete
 * during the rollback. So the template leaves it off, and this custom resource switches it on as the
 * last step of the deploy (UpdateTable DeletionProtectionEnabled=true, on create and on every
 * update, so a table added later is protected too). If anything before it fails, the tables are
 * still unprotected and the rollback removes them.
 *
 * The custom resources, their policies and the provider function live in a nested stack
 * (`protectionStack`), two resources per table off the parent's 500-resource limit. The nested
 * stack waits for everything else, so the order is the same; the calls are idempotent and have no
 * delete action, so replacing the old in-parent resources by these only switches protection on again.
 */
export class TableProtectionConstruct extends Construct {
  readonly protectionStack: NestedStack;

  constructor(scope: Construct, id: string, props: TableProtectionProps) {
    super(scope, id);
    this.protectionStack = new NestedStack(this, "Protection", {
      description: "Textgate: switches on DynamoDB deletion protection once the parent stack exists",
    });
    const tables = [...props.tables.entries()].sort(([a], [b]) => a.localeCompare(b));
    // One chain: the first waits for everything else, each next one for the one before it (one
    // DependsOn list on all resources, not one per table: the template stays small).
    let previous: Construct | undefined;
    for (const [tableId, table] of tables) {
      const protect: cr.AwsSdkCall = {
        service: "DynamoDB",
        action: "updateTable",
        parameters: { TableName: table.tableName, DeletionProtectionEnabled: true },
        physicalResourceId: cr.PhysicalResourceId.of(`deletion-protection-${tableId}`),
      };
      const resource = new cr.AwsCustomResource(this.protectionStack, `Protect-${tableId}`, {
        onCreate: protect,
        onUpdate: protect,
        // Deleting the stack keeps the tables (and their protection): nothing to undo.
        policy: cr.AwsCustomResourcePolicy.fromSdkCalls({ resources: [table.tableArn] }),
        installLatestAwsSdk: false,
      });
      resource.node.addDependency(table);
      if (previous) resource.node.addDependency(previous);
      else for (const other of props.after ?? []) resource.node.addDependency(other);
      previous = resource;
    }
  }
}

/** Construct id of the AwsCustomResource singleton provider function (a child of `protectionStack`). */
export const TABLE_PROTECTION_PROVIDER_ID = "AWS679f53fac002430cb0da5b7982bd2287";

/** cdk-nag findings of the AwsCustomResource singleton function, with the reason each is acceptable. */
export function acknowledgeTableProtection(scope: Construct): void {
  acknowledge(scope, [
    {
      id: "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
      reason:
        "The CDK AwsCustomResource provider function only writes its own CloudWatch logs with the AWS basic execution policy; it runs during deployments only.",
    },
    {
      id: "Serverless-LambdaDefaultMemorySize",
      reason:
        "The AwsCustomResource provider function makes one UpdateTable call per table during a deploy; aws-cdk-lib sizes it and it never serves traffic.",
    },
    {
      id: "Serverless-LambdaDLQ",
      reason:
        "CloudFormation invokes the provider synchronously and fails the deploy on an error; there is no asynchronous event to dead-letter.",
    },
    {
      id: "Serverless-LambdaTracing",
      reason:
        "A deploy-time call of one DynamoDB API per table; its outcome is in the CloudFormation events and its own logs, tracing adds nothing.",
    },
  ]);
}
