import { describe, expect, it } from "vitest";
import { allTemplates, synthStack } from "./synth.ts";

/**
 * Resources moved from the parent into a nested stack are created in the new stack BEFORE the old
 * ones are deleted. A resource with a fixed name (or one AWS allows once per target) would then
 * fail with "already exists", so nested stacks hold only resources with generated names: roles,
 * policies, permissions, alarms, custom resources. Named ones stay in the parent, where they are.
 */
const FIXED_NAME_PROPERTY: Record<string, string> = {
  "AWS::Lambda::Function": "FunctionName",
  "AWS::Logs::LogGroup": "LogGroupName",
  "AWS::Events::Rule": "Name",
  "AWS::IAM::Role": "RoleName",
  "AWS::SQS::Queue": "QueueName",
  "AWS::DynamoDB::GlobalTable": "TableName",
  "AWS::SNS::Topic": "TopicName",
};
/** Once per queue and function (Lambda refuses a second mapping), or a queue's one policy. */
const ONE_PER_TARGET = [
  "AWS::Lambda::EventSourceMapping",
  "AWS::SQS::QueuePolicy",
  "AWS::ApiGateway::GatewayResponse",
];

const everyOption = {
  smppConnector: "true",
  replicaRegion: "eu-west-1",
  domainName: "api.example.com",
  certificateArn: "arn:aws:acm:eu-central-1:123456789012:certificate/x",
  alarmEmail: "oncall@example.com",
  mailSender: "no-reply@mail.example.com",
  invitationUrl: "https://app.example.com/accept-invitation",
};

describe("nested stacks hold nothing that a move would recreate under the same name", () => {
  it("with every option on", () => {
    const synth = synthStack(everyOption);
    const nested = allTemplates(synth).filter(([stack]) => stack !== synth.stack);
    expect(nested.length, "the role, permission, protection and alarm stacks").toBeGreaterThanOrEqual(4);
    const offending: string[] = [];
    for (const [stack, template] of nested) {
      const resources = template.toJSON().Resources as Record<
        string,
        { Type: string; Properties?: Record<string, unknown> }
      >;
      for (const [id, resource] of Object.entries(resources)) {
        const nameProperty = FIXED_NAME_PROPERTY[resource.Type];
        const named = nameProperty !== undefined && resource.Properties?.[nameProperty] !== undefined;
        if (named || ONE_PER_TARGET.includes(resource.Type))
          offending.push(`${stack.node.path}/${id} (${resource.Type})`);
      }
    }
    expect(offending).toEqual([]);
  });

  it("the functions, their log groups and queue mappings stay in the parent", () => {
    const synth = synthStack();
    const parent = synth.template.toJSON().Resources as Record<string, { Type: string }>;
    const count = (type: string) => Object.values(parent).filter((resource) => resource.Type === type).length;
    expect(count("AWS::Lambda::Function")).toBeGreaterThanOrEqual(synth.stack.functions.functions.size);
    expect(count("AWS::Logs::LogGroup")).toBeGreaterThanOrEqual(synth.stack.functions.functions.size);
    expect(count("AWS::Lambda::EventSourceMapping")).toBeGreaterThan(0);
  });
});
