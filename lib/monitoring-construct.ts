import { Aws, Duration, NestedStack } from "aws-cdk-lib";
import type * as apigw from "aws-cdk-lib/aws-apigateway";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as actions from "aws-cdk-lib/aws-cloudwatch-actions";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as kms from "aws-cdk-lib/aws-kms";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import * as sns from "aws-cdk-lib/aws-sns";
import * as subscriptions from "aws-cdk-lib/aws-sns-subscriptions";
import type * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import {
  alertMetrics,
  deadLetterRedriveCount,
  metricsNamespace,
  physicalName,
  type QueueSpec,
} from "./catalog/index.ts";
import type { QueuePair } from "./messaging-construct.ts";

export interface MonitoringConstructProps {
  readonly stage: string;
  readonly key: kms.IKey;
  readonly api: apigw.RestApi;
  readonly functions: ReadonlyMap<string, lambda.Function>;
  readonly queues: ReadonlyMap<string, QueuePair>;
  /** API 5XX share (0..1) over 5 minutes that pages someone. */
  readonly api5xxRateThreshold?: number;
  /** Oldest message in a work queue older than this means consumers are not keeping up. */
  readonly maxMessageAge?: Duration;
  /**
   * Email address subscribed to the alarm topic (SNS sends a confirmation message first).
   * @default no subscription (subscribe a pager or chat integration to the AlarmTopicArn output)
   */
  readonly alarmEmail?: string;
}

/**
 * How old a record in a consumed DLQ may get while it is still being handled normally: its time in
 * the work queue (every receive up to maxReceiveCount), the dead-letter consumer's tries before it
 * parks the record, and 10 minutes of slack for batching and a late poll. Older means stuck.
 */
export function deadLetterMaxAge(spec: QueueSpec): Duration {
  const workQueue = spec.maxReceiveCount * spec.visibilityTimeoutSeconds;
  const deadLetterTries =
    (deadLetterRedriveCount(spec) ?? spec.maxReceiveCount) * spec.visibilityTimeoutSeconds;
  return Duration.seconds(workQueue + deadLetterTries + 600);
}

/**
 * Alarms for what needs a person: dead letters, server errors, function errors and throttles.
 *
 * The alarms live in a nested stack (`alarmStack`): two per function and one to three per queue
 * would otherwise take a fifth of the parent stack's 500-resource limit. The topic and dashboard
 * stay in the parent: both have fixed names (an email subscription hangs on the topic, operators
 * bookmark the dashboard), and moving a named resource to another stack would create the new one
 * and then delete it again with the old one.
 */
export class MonitoringConstruct extends Construct {
  readonly topic: sns.Topic;
  readonly alarmStack: NestedStack;
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: MonitoringConstructProps) {
    super(scope, id);
    this.alarmStack = new NestedStack(this, "Alarms", {
      description: `Textgate ${props.stage}: CloudWatch alarms, publishing to the parent stack's alarm topic`,
    });
    this.topic = new sns.Topic(this, "AlarmTopic", {
      topicName: physicalName(props.stage, "alarms"),
      masterKey: props.key,
      enforceSSL: true,
    });
    // enforceSSL adds only a Deny; CloudWatch alarms need an Allow to publish, limited to this
    // account's alarms so no other account's alarm can use the topic (confused deputy).
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: "AllowThisAccountsAlarmsToPublish",
        principals: [new iam.ServicePrincipal("cloudwatch.amazonaws.com")],
        actions: ["sns:Publish"],
        resources: [this.topic.topicArn],
        conditions: {
          ArnLike: {
            "aws:SourceArn": `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:*`,
          },
          StringEquals: { "aws:SourceAccount": Aws.ACCOUNT_ID },
        },
      }),
    );
    if (props.alarmEmail) this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    // CloudWatch publishes to the encrypted topic with the topic's key (the logs key: it protects no data).
    props.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: "AllowCloudWatchAlarmsToEncryptedTopic",
        principals: [new iam.ServicePrincipal("cloudwatch.amazonaws.com")],
        actions: ["kms:Decrypt", "kms:GenerateDataKey"],
        resources: ["*"],
      }),
    );
    const period = Duration.minutes(5);

    const maxAge = props.maxMessageAge ?? Duration.minutes(5);
    for (const { spec, queue, dlq, parked } of props.queues.values()) {
      this.alarm(`Age-${spec.id}`, {
        alarmDescription: `${spec.id}: oldest message waits longer than ${maxAge.toHumanString()}; the consumer is failing or too slow.`,
        metric: queue.metricApproximateAgeOfOldestMessage({
          period: Duration.minutes(1),
          statistic: "Maximum",
        }),
        threshold: maxAge.toSeconds(),
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 3,
      });
      this.deadLetterAlarms(spec, dlq, parked);
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
    for (const [key, spec] of Object.entries(alertMetrics)) {
      this.alarm(`Business-${key}`, {
        alarmDescription: spec.description,
        metric: new cloudwatch.Metric({
          namespace: metricsNamespace,
          metricName: spec.name,
          dimensionsMap: { service: spec.service },
          period: Duration.minutes(5),
          statistic: "Sum",
        }),
        threshold: spec.threshold,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
      });
    }
    this.dashboard(props);
  }

  /** One page for the on-call: traffic, errors, latency, queue health, alarms. */
  private dashboard(props: MonitoringConstructProps): void {
    const period = Duration.minutes(1);
    const fns = [...props.functions.values()];
    const queues = [...props.queues.values()];
    const board = new cloudwatch.Dashboard(this, "Dashboard", {
      dashboardName: physicalName(props.stage, "overview"),
      defaultInterval: Duration.hours(3),
    });
    board.addWidgets(
      new cloudwatch.GraphWidget({
        title: "API requests and errors",
        left: [props.api.metricCount({ period, statistic: "Sum" })],
        right: [
          props.api.metricClientError({ period, statistic: "Sum" }),
          props.api.metricServerError({ period, statistic: "Sum" }),
        ],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: "API latency (p50 / p99)",
        left: [
          props.api.metricLatency({ period, statistic: "p50" }),
          props.api.metricLatency({ period, statistic: "p99" }),
        ],
        width: 12,
      }),
    );
    board.addWidgets(
      new cloudwatch.GraphWidget({
        title: "Queue depth (visible), DLQs and parked dead letters",
        left: queues.map((q) =>
          q.queue.metricApproximateNumberOfMessagesVisible({ period, label: q.spec.id }),
        ),
        right: queues.flatMap((q) => [
          q.dlq.metricApproximateNumberOfMessagesVisible({ period, label: `${q.spec.id} DLQ` }),
          ...(q.parked
            ? [q.parked.metricApproximateNumberOfMessagesVisible({ period, label: `${q.spec.id} parked` })]
            : []),
        ]),
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: "Oldest message age (s): queues and DLQs",
        left: queues.map((q) =>
          q.queue.metricApproximateAgeOfOldestMessage({ period, statistic: "Maximum", label: q.spec.id }),
        ),
        right: queues.map((q) =>
          q.dlq.metricApproximateAgeOfOldestMessage({
            period,
            statistic: "Maximum",
            label: `${q.spec.id} DLQ`,
          }),
        ),
        width: 12,
      }),
    );
    board.addWidgets(
      new cloudwatch.GraphWidget({
        title: "Function errors and throttles",
        left: fns.map((fn) => fn.metricErrors({ period, statistic: "Sum" })),
        right: fns.map((fn) => fn.metricThrottles({ period, statistic: "Sum" })),
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: "Function duration p99 (ms)",
        left: fns.map((fn) => fn.metricDuration({ period, statistic: "p99" })),
        width: 12,
      }),
    );
    board.addWidgets(new cloudwatch.AlarmStatusWidget({ title: "Alarms", alarms: this.alarms, width: 24 }));
  }

  /**
   * A DLQ with a consumer keeps its records in flight, so its visible count stays near 0 whatever
   * happens: alarm on the age of its oldest record instead, and on anything visible in the parked
   * queue, which nothing consumes. (SQS leaves a record received 3+ times out of the age metric:
   * the parked alarm is what catches a record the consumer keeps failing on.)
   */
  private deadLetterAlarms(spec: QueueSpec, dlq: sqs.IQueue, parked: sqs.IQueue | undefined): void {
    const visible = (queue: sqs.IQueue) =>
      queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: "Maximum" });
    if (!spec.deadLetterConsumer) {
      this.alarm(`Dlq-${spec.id}`, {
        alarmDescription: `Messages in the ${spec.id} DLQ: inspect, fix, redrive (docs/runbooks/dlq-redrive.md).`,
        metric: visible(dlq),
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
      });
      return;
    }
    const maxAge = deadLetterMaxAge(spec);
    this.alarm(`DlqAge-${spec.id}`, {
      alarmDescription: `${spec.id} DLQ: a dead letter older than ${maxAge.toHumanString()} (its time in the work queue included) is not being settled; the dead-letter consumer is failing or stopped (docs/runbooks/dlq-redrive.md).`,
      metric: dlq.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(1), statistic: "Maximum" }),
      threshold: maxAge.toSeconds(),
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
    });
    if (parked) {
      this.alarm(`Parked-${spec.id}`, {
        alarmDescription: `${spec.id}: dead letters the consumer could not settle after ${spec.parkAfterReceives} tries are parked; list, fix, redrive (docs/runbooks/dlq-redrive.md).`,
        metric: visible(parked),
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
      });
    }
  }

  private alarm(id: string, props: cloudwatch.AlarmProps): void {
    const alarm = new cloudwatch.Alarm(this.alarmStack, id, {
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      ...props,
    });
    alarm.addAlarmAction(new actions.SnsAction(this.topic));
    alarm.addOkAction(new actions.SnsAction(this.topic));
    this.alarms.push(alarm);
  }
}
