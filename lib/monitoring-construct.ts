import { Duration } from "aws-cdk-lib";
import type * as apigw from "aws-cdk-lib/aws-apigateway";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as actions from "aws-cdk-lib/aws-cloudwatch-actions";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as kms from "aws-cdk-lib/aws-kms";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import * as sns from "aws-cdk-lib/aws-sns";
import { Construct } from "constructs";
import { physicalName } from "./catalog/index.ts";
import type { QueuePair } from "./messaging-construct.ts";

export interface MonitoringConstructProps {
  readonly stage: string;
  readonly key: kms.IKey;
  readonly api: apigw.RestApi;
  readonly functions: ReadonlyMap<string, lambda.Function>;
  readonly queues: ReadonlyMap<string, QueuePair>;
  /** API 5XX share (0..1) over 5 minutes that pages someone. */
  readonly api5xxRateThreshold?: number;
}

/** Alarms for what needs a person: dead letters, server errors, function errors and throttles. */
export class MonitoringConstruct extends Construct {
  readonly topic: sns.Topic;
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: MonitoringConstructProps) {
    super(scope, id);
    this.topic = new sns.Topic(this, "AlarmTopic", {
      topicName: physicalName(props.stage, "alarms"),
      masterKey: props.key,
      enforceSSL: true,
    });
    // CloudWatch publishes to the encrypted topic with the data key.
    props.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: "AllowCloudWatchAlarmsToEncryptedTopic",
        principals: [new iam.ServicePrincipal("cloudwatch.amazonaws.com")],
        actions: ["kms:Decrypt", "kms:GenerateDataKey"],
        resources: ["*"],
      }),
    );
    const period = Duration.minutes(5);

    for (const { spec, dlq } of props.queues.values()) {
      this.alarm(`Dlq-${spec.id}`, {
        alarmDescription: `Messages in the ${spec.id} DLQ: inspect, fix, redrive (docs/runbooks).`,
        metric: dlq.metricApproximateNumberOfMessagesVisible({
          period: Duration.minutes(1),
          statistic: "Maximum",
        }),
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
      });
    }

    // 5XXError averaged is the share of requests that failed server-side.
    this.alarm("Api5xxRate", {
      alarmDescription: "API server-error share above threshold in 3 of 5 five-minute periods.",
      metric: props.api.metricServerError({ period, statistic: "Average" }),
      threshold: props.api5xxRateThreshold ?? 0.01,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
    });

    for (const [fnId, fn] of props.functions) {
      this.alarm(`Errors-${fnId}`, {
        alarmDescription: `${fnId}: invocation errors (unhandled exceptions, timeouts).`,
        metric: fn.metricErrors({ period, statistic: "Sum" }),
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
      });
      this.alarm(`Throttles-${fnId}`, {
        alarmDescription: `${fnId}: throttled invocations (account or reserved concurrency exhausted).`,
        metric: fn.metricThrottles({ period, statistic: "Sum" }),
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
      });
    }
  }

  private alarm(id: string, props: cloudwatch.AlarmProps): void {
    const alarm = new cloudwatch.Alarm(this, id, {
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      ...props,
    });
    alarm.addAlarmAction(new actions.SnsAction(this.topic));
    alarm.addOkAction(new actions.SnsAction(this.topic));
    this.alarms.push(alarm);
  }
}
