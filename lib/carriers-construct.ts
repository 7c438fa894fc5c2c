import { Aws, CfnOutput } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as kms from "aws-cdk-lib/aws-kms";
import * as smsvoice from "aws-cdk-lib/aws-smsvoice";
import * as sns from "aws-cdk-lib/aws-sns";
import { SqsSubscription } from "aws-cdk-lib/aws-sns-subscriptions";
import type * as sqs from "aws-cdk-lib/aws-sqs";
import * as cxapi from "aws-cdk-lib/cx-api";
import { Construct } from "constructs";
import { AWS_SMS_EVENT_TYPES, physicalName, smsConfigurationSetName } from "./catalog/index.ts";

export interface CarriersConstructProps {
  readonly stage: string;
  /** Encrypts the events topic; End User Messaging gets a data key from it for our configuration set only. */
  readonly key: kms.IKey;
  /** The catalogue's aws-sms-events queue and its DLQ (MessagingConstruct). */
  readonly eventsQueue: sqs.IQueue;
  readonly eventsDlq: sqs.IQueue;
}

/** What an smsVoice "send" grant is scoped to (lib/function-grants.ts). */
export interface SmsSendTarget {
  readonly configurationSetName: string;
  readonly configurationSetArn: string;
}

/**
 * AWS End User Messaging SMS delivery events without API Gateway: a configuration set whose event
 * destination is an SNS topic (KMS), subscribed by the aws-sms-events queue with raw message delivery
 * (the queue body is the event JSON itself, as the local simulator writes it). SNS deliveries that
 * fail land in that queue's DLQ, which the DLQ-depth alarm already watches.
 */
export class CarriersConstruct extends Construct {
  readonly eventsTopic: sns.Topic;
  readonly configurationSet: smsvoice.CfnConfigurationSet;
  readonly smsSend: SmsSendTarget;

  constructor(scope: Construct, id: string, props: CarriersConstructProps) {
    super(scope, id);
    // SNS may use the queue key only to deliver from our events topic (aws:SourceArn), not for any
    // topic: without this flag SqsSubscription adds an unconditioned key-policy statement.
    this.node.setContext(cxapi.SNS_SUBSCRIPTIONS_SQS_DECRYPTION_POLICY, true);
    const configurationSetName = smsConfigurationSetName(props.stage);
    const configurationSetArn = `arn:${Aws.PARTITION}:sms-voice:${Aws.REGION}:${Aws.ACCOUNT_ID}:configuration-set/${configurationSetName}`;
    this.eventsTopic = new sns.Topic(this, "SmsEventsTopic", {
      topicName: physicalName(props.stage, "sms-events"),
      masterKey: props.key,
      enforceSSL: true,
    });
    // Only this account's configuration set may publish (confused-deputy guard).
    const fromOurConfigurationSet = {
      StringEquals: { "aws:SourceAccount": Aws.ACCOUNT_ID },
      ArnLike: { "aws:SourceArn": configurationSetArn },
    };
    const smsVoice = new iam.ServicePrincipal("sms-voice.amazonaws.com");
    this.eventsTopic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: "AllowSmsVoiceEvents",
        principals: [smsVoice],
        actions: ["sns:Publish"],
        resources: [this.eventsTopic.topicArn],
        conditions: fromOurConfigurationSet,
      }),
    );
    // The topic is encrypted: the service needs a data key from the topic's key to publish.
    props.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: "AllowSmsVoiceEventsToEncryptedTopic",
        principals: [smsVoice],
        actions: ["kms:Decrypt", "kms:GenerateDataKey"],
        resources: ["*"],
        conditions: fromOurConfigurationSet,
      }),
    );
    // SqsSubscription also grants SNS the queue's key and a queue policy scoped to this topic.
    this.eventsTopic.addSubscription(
      new SqsSubscription(props.eventsQueue, { rawMessageDelivery: true, deadLetterQueue: props.eventsDlq }),
    );
    this.configurationSet = new smsvoice.CfnConfigurationSet(this, "ConfigurationSet", {
      configurationSetName,
      eventDestinations: [
        {
          eventDestinationName: "textgate-delivery-events",
          enabled: true,
          matchingEventTypes: [...AWS_SMS_EVENT_TYPES],
          snsDestination: { topicArn: this.eventsTopic.topicArn },
        },
      ],
    });
    // The service checks it may publish when the destination is created.
    this.configurationSet.node.addDependency(this.eventsTopic);
    this.smsSend = { configurationSetName, configurationSetArn };
    new CfnOutput(this, "SmsConfigurationSetName", { value: configurationSetName });
  }
}
