import { Match } from "aws-cdk-lib/assertions";
import { describe, expect, it } from "vitest";
import { nagViolations, synthStack } from "./synth.ts";

/** -c smppConnector=true adds the connector service; without it the stack has no VPC/NAT costs. */
describe("SMPP connector infrastructure", () => {
  it("is absent by default: no VPC, NAT gateway, Elastic IP or ECS", () => {
    const { template } = synthStack();
    for (const type of ["AWS::EC2::VPC", "AWS::EC2::NatGateway", "AWS::EC2::EIP", "AWS::ECS::Service"]) {
      template.resourceCountIs(type, 0);
    }
  });

  const synth = synthStack({ smppConnector: "true", smppDesiredCount: "2" });
  const { template } = synth;

  it("runs one arm64 Fargate service of the smallest size with the desired count from context", () => {
    template.hasResourceProperties("AWS::ECS::TaskDefinition", {
      Cpu: "256",
      Memory: "512",
      RuntimePlatform: { CpuArchitecture: "ARM64", OperatingSystemFamily: "LINUX" },
    });
    template.hasResourceProperties("AWS::ECS::Service", {
      DesiredCount: 2,
      LaunchType: "FARGATE",
      NetworkConfiguration: { AwsvpcConfiguration: { AssignPublicIp: "DISABLED" } },
    });
  });

  it("leaves through one NAT gateway on a fixed Elastic IP, printed as a stack output", () => {
    template.resourceCountIs("AWS::EC2::EIP", 1);
    template.resourceCountIs("AWS::EC2::NatGateway", 1);
    const eip = Object.keys(template.findResources("AWS::EC2::EIP"))[0];
    template.hasResourceProperties("AWS::EC2::NatGateway", {
      AllocationId: { "Fn::GetAtt": [eip, "AllocationId"] },
    });
    template.hasOutput("SmppEgressIp", { Value: { Ref: eip } });
  });

  it("keeps carrier passwords in a KMS-encrypted secret the task reads by reference", () => {
    template.hasResourceProperties("AWS::SecretsManager::Secret", { KmsKeyId: Match.anyValue() });
    template.hasResourceProperties("AWS::ECS::TaskDefinition", {
      ContainerDefinitions: [
        Match.objectLike({
          Environment: Match.arrayWith([
            Match.objectLike({ Name: "TABLE_MESSAGES" }),
            Match.objectLike({ Name: "QUEUE_SMS_SMPP_URL" }),
            Match.objectLike({ Name: "TEXTGATE_SMPP_SECRET_ARN", Value: Match.anyValue() }),
          ]),
        }),
      ],
    });
  });

  it("stays cdk-nag clean, the image pull included", () => {
    expect(nagViolations(synth.stack, "error").map((violation) => violation.ruleName)).toEqual([]);
  });
});
