import { beforeAll, describe, expect, it } from "vitest";
import { logicalId, type Synthesized, synthStack } from "./synth.ts";

/**
 * A stage with access logging is refused until the region's API Gateway account has a CloudWatch
 * role: a fresh account must get one from the stack, and an account that has one can skip it.
 */
let synth: Synthesized;
beforeAll(() => {
  synth = synthStack();
});

interface Resource {
  readonly Properties: Record<string, unknown>;
  readonly DependsOn?: string[];
  readonly DeletionPolicy?: string;
}

const resourcesOf = (s: Synthesized, type: string) =>
  Object.entries(s.template.findResources(type)) as [string, Resource][];

describe("API Gateway account CloudWatch role", () => {
  it("is set by default, with a role API Gateway assumes, before the logging stage is created", () => {
    const accounts = resourcesOf(synth, "AWS::ApiGateway::Account");
    expect(accounts).toHaveLength(1);
    const [accountId, account] = accounts[0] ?? ["", { Properties: {} }];
    const roleRef = (account.Properties.CloudWatchRoleArn as { "Fn::GetAtt": [string, string] })[
      "Fn::GetAtt"
    ];
    const role = synth.template.toJSON().Resources[roleRef[0]];
    expect(role.Properties.AssumeRolePolicyDocument.Statement[0].Principal).toEqual({
      Service: "apigateway.amazonaws.com",
    });
    // Other APIs in the account rely on the setting: it outlives the stack.
    expect(account.DeletionPolicy).toBe("Retain");

    const stage = synth.template.toJSON().Resources[logicalId(synth.stack.api.api.deploymentStage)];
    expect(stage.Properties.AccessLogSetting).toBeDefined();
    expect(stage.DependsOn).toContain(accountId);
  });

  it("is left out with -c apiGatewayAccountRole=false", () => {
    const without = synthStack({ apiGatewayAccountRole: "false" });
    expect(resourcesOf(without, "AWS::ApiGateway::Account")).toEqual([]);
  });
});
