import { Match } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import {
  AWS_SMS_EVENT_TYPES,
  AWS_SMS_EVENTS_QUEUE,
  smsConfigurationSetName,
} from "../../lib/catalog/index.ts";
import { logicalId, type Synthesized, synthStack } from "./synth.ts";

/**
 * AWS End User Messaging SMS on the template: a configuration set whose events reach the
 * aws-sms-events queue through an encrypted SNS topic (never API Gateway).
 */
let synth: Synthesized;
beforeAll(() => {
  synth = synthStack();
});

const topicRef = () => ({ Ref: logicalId(synth.stack.carriers.eventsTopic) });
const queueArn = (construct: Parameters<typeof logicalId>[0]) => ({
  "Fn::GetAtt": [logicalId(construct), "Arn"],
});

describe("AWS End User Messaging SMS delivery events", () => {
  it("the stage's configuration set sends the settling SMS events to the events topic", () => {
    synth.template.resourceCountIs("AWS::SMSVOICE::ConfigurationSet", 1);
    synth.template.hasResourceProperties("AWS::SMSVOICE::ConfigurationSet", {
      ConfigurationSetName: smsConfigurationSetName("prod"),
      EventDestinations: [
        {
          Enabled: true,
          MatchingEventTypes: [...AWS_SMS_EVENT_TYPES],
          SnsDestination: { TopicArn: topicRef() },
          EventDestinationName: Match.anyValue(),
        },
      ],
    });
  });

  it("the topic is encrypted with the service-facing (logs) key and only this account's configuration set may publish", () => {
    synth.template.hasResourceProperties("AWS::SNS::Topic", {
      KmsMasterKeyId: queueArn(synth.stack.data.atRest("alarms")),
    });
    synth.template.hasResourceProperties("AWS::SNS::TopicPolicy", {
      Topics: [topicRef()],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: "sns:Publish",
            Principal: { Service: "sms-voice.amazonaws.com" },
            Condition: {
              StringEquals: { "aws:SourceAccount": { Ref: "AWS::AccountId" } },
              ArnLike: { "aws:SourceArn": Match.anyValue() },
            },
          }),
        ]),
      },
    });
  });

  it("the aws-sms-events queue subscribes with raw delivery, failed deliveries go to its DLQ", () => {
    const queue = synth.stack.messaging.queue(AWS_SMS_EVENTS_QUEUE);
    const dlq = synth.stack.messaging.dlq(AWS_SMS_EVENTS_QUEUE);
    synth.template.hasResourceProperties("AWS::SNS::Subscription", {
      Protocol: "sqs",
      TopicArn: topicRef(),
      Endpoint: queueArn(queue),
      RawMessageDelivery: true,
      RedrivePolicy: { deadLetterTargetArn: queueArn(dlq) },
    });
  });

  it("the events consumer reads the queue through an event-source mapping, not through API Gateway", () => {
    const fn = synth.stack.functions.fn("aws-sms-events");
    synth.template.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      FunctionName: { Ref: logicalId(fn) },
      EventSourceArn: queueArn(synth.stack.messaging.queue(AWS_SMS_EVENTS_QUEUE)),
      FunctionResponseTypes: ["ReportBatchItemFailures"],
    });
    const integrations = JSON.stringify(synth.template.findResources("AWS::ApiGateway::Method"));
    expect(integrations).not.toContain(logicalId(fn));
  });

  it("names the configuration set in a stack output (for registering the aws-sms carrier)", () => {
    const outputs = synth.template.findOutputs("*");
    expect(Object.values(outputs).map((output) => output.Value)).toContain(smsConfigurationSetName("prod"));
  });
});
