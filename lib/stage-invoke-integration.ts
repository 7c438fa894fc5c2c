import { Token } from "aws-cdk-lib";
import * as apigw from "aws-cdk-lib/aws-apigateway";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import type { Construct } from "constructs";

/**
 * Lambda proxy integration that adds no invoke permission of its own.
 *
 * LambdaIntegration adds one AWS::Lambda::Permission per method (and another per method for the
 * console's test-invoke stage): 59 routes on 12 functions cost 59 resources of CloudFormation's
 * 500. Each function behind the API instead gets ONE permission from allowInvokeFromStage, scoped to
 * this API's deployed stage (`<apiId>/<stage>/*\/*`): API Gateway still invokes a function only for
 * this API and stage (never the test-invoke stage, never another API), and which function answers a
 * route is fixed by the method's integration, not by the permission.
 */
export class StageInvokedLambdaIntegration extends apigw.AwsIntegration {
  private readonly handler: lambda.IFunction;

  constructor(handler: lambda.IFunction) {
    super({
      proxy: true,
      service: "lambda",
      path: `2015-03-31/functions/${handler.functionArn}/invocations`,
    });
    this.handler = handler;
  }

  override bind(method: apigw.Method): apigw.IntegrationConfig {
    const config = super.bind(method);
    // As LambdaIntegration does: a function renamed in place gets a new API deployment.
    const functionName =
      this.handler instanceof lambda.Function
        ? (this.handler.node.defaultChild as lambda.CfnFunction).functionName
        : this.handler.functionName;
    return Token.isUnresolved(functionName)
      ? config
      : { ...config, deploymentToken: JSON.stringify({ functionName }) };
  }
}

/**
 * The one permission per function that StageInvokedLambdaIntegration relies on: API Gateway may
 * invoke `handler` for any method and path of `api`'s stage `stage`, and for nothing else.
 */
export function allowInvokeFromStage(
  scope: Construct,
  id: string,
  handler: lambda.IFunction,
  api: apigw.RestApi,
  stage: string,
): void {
  handler.addPermission(id, {
    principal: new iam.ServicePrincipal("apigateway.amazonaws.com"),
    scope,
    sourceArn: api.arnForExecuteApi("*", "/*", stage),
  });
}
