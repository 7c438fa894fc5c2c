import { type CfnElement, CustomResource, Stack } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as kms from "aws-cdk-lib/aws-kms";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import * as logs from "aws-cdk-lib/aws-logs";
import * as cr from "aws-cdk-lib/custom-resources";
import { Construct } from "constructs";
import { acknowledge } from "./acknowledge.ts";
import { KEEP_UNLESS_CREATE_FAILED } from "./data-construct.ts";

export interface BootstrapConstructProps {
  readonly stage: string;
  /** The catalogue's bootstrap function (creates the HMAC root secret once; idempotent). */
  readonly handler: lambda.IFunction;
  readonly logKey: kms.IKey;
  readonly logRetention: logs.RetentionDays;
}

/**
 * Runs the bootstrap function as a CloudFormation custom resource (CDK Provider framework). Its only
 * property is the service token, so CloudFormation calls it once, when the stack first creates it,
 * and not on later deploys: the HMAC root secret is made once and must then never change (every
 * stored code and blind index depends on it). It runs again only if the resource's properties
 * change; the function is idempotent (conditional put) and never deletes the secret.
 */
export class BootstrapConstruct extends Construct {
  readonly resource: CustomResource;

  constructor(scope: Construct, id: string, props: BootstrapConstructProps) {
    super(scope, id);
    const logGroup = new logs.LogGroup(this, "ProviderLogs", {
      retention: props.logRetention,
      encryptionKey: props.logKey,
      removalPolicy: KEEP_UNLESS_CREATE_FAILED,
    });
    // Own role instead of the framework default (AWSLambdaBasicExecutionRole managed policy).
    const role = new iam.Role(this, "ProviderRole", {
      assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com"),
      description: `textgate ${props.stage}: CDK custom-resource provider for the bootstrap function`,
    });
    logGroup.grantWrite(role);
    const provider = new cr.Provider(this, "Provider", {
      onEventHandler: props.handler,
      frameworkOnEventRole: role,
      logGroup,
    });
    this.resource = new CustomResource(this, "HmacRoot", {
      serviceToken: provider.serviceToken,
      resourceType: "Custom::TextgateBootstrap",
    });

    const handlerLogicalId = Stack.of(this).resolve(
      (props.handler.node.defaultChild as CfnElement).logicalId,
    ) as string;
    acknowledge(this, [
      {
        id: `AwsSolutions-IAM5[Resource::<${handlerLogicalId}.Arn>:*]`,
        reason:
          "CDK's provider framework may invoke any version/alias of the one bootstrap function (grantInvoke adds <function ARN>:*); no other function is reachable.",
      },
      {
        id: "Serverless-LambdaDLQ",
        reason:
          "Invoked by CloudFormation for one custom resource; a failure fails the deployment visibly (and rolls back), so there is nothing for a DLQ to keep.",
      },
      {
        id: "Serverless-LambdaTracing",
        reason:
          "CDK-owned relay function that runs once per deploy; the bootstrap function it calls is traced.",
      },
      {
        id: "Serverless-LambdaDefaultMemorySize",
        reason:
          "CDK-owned relay function (provider framework) left at Lambda's default 128 MB: it forwards one CloudFormation event per deploy and waits for the bootstrap function.",
      },
    ]);
  }
}
