import { beforeAll, describe, expect, it } from "vitest";
import { asList, logicalId, type Synthesized, synthStack } from "./synth.ts";

/** Alarms reach a person only if CloudWatch may publish to the topic and something subscribes to it. */
let synth: Synthesized;
beforeAll(() => {
  synth = synthStack({ alarmEmail: "oncall@example.com" });
});

interface Statement {
  readonly Effect: string;
  readonly Principal?: { Service?: string };
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}

function topicStatements(s: Synthesized): Statement[] {
  const topicRef = logicalId(s.stack.monitoring.topic);
  return Object.values(s.template.findResources("AWS::SNS::TopicPolicy")).flatMap((policy) =>
    JSON.stringify(policy.Properties.Topics).includes(topicRef)
      ? (policy.Properties.PolicyDocument.Statement as Statement[])
      : [],
  );
}

describe("alarm topic", () => {
  it("allows CloudWatch to publish, for this account's alarms only", () => {
    const allows = topicStatements(synth).filter(
      (statement) =>
        statement.Effect === "Allow" &&
        statement.Principal?.Service === "cloudwatch.amazonaws.com" &&
        asList(statement.Action).includes("sns:Publish"),
    );
    expect(allows).toHaveLength(1);
    const condition = JSON.stringify(allows[0]?.Condition);
    expect(condition).toContain("aws:SourceAccount");
    expect(condition).toContain(":alarm:*");
  });

  it("no Deny in the policy hits CloudWatch's TLS publishes", () => {
    for (const statement of topicStatements(synth).filter((s) => s.Effect === "Deny")) {
      expect(statement.Condition).toEqual({ Bool: { "aws:SecureTransport": "false" } });
    }
  });

  it("subscribes the alarmEmail from context, and nothing without it", () => {
    synth.template.hasResourceProperties("AWS::SNS::Subscription", {
      Protocol: "email",
      Endpoint: "oncall@example.com",
      TopicArn: { Ref: logicalId(synth.stack.monitoring.topic) },
    });
    // Without alarmEmail nothing subscribes to the alarm topic (the SMS events queue subscribes to
    // its own topic, which is not the alarm topic).
    const bare = synthStack();
    const alarmTopic = { Ref: logicalId(bare.stack.monitoring.topic) };
    const onAlarmTopic = Object.values(bare.template.findResources("AWS::SNS::Subscription")).filter(
      (subscription) => JSON.stringify(subscription.Properties.TopicArn) === JSON.stringify(alarmTopic),
    );
    expect(onAlarmTopic).toEqual([]);
  });
});
