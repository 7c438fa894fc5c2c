import { Duration } from "aws-cdk-lib";
import * as events from "aws-cdk-lib/aws-events";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import { Construct } from "constructs";
import { acknowledge } from "./acknowledge.ts";
import { physicalName, type ScheduleSpec } from "./catalog/index.ts";

export interface SchedulesConstructProps {
  readonly stage: string;
  readonly schedules: readonly ScheduleSpec[];
  readonly functionById: (id: string) => lambda.IFunction;
  /**
   * Where each rule's Lambda invoke permission goes (TextgateStack.permissions, a nested stack that
   * nothing refers to).
   * @default this construct
   */
  readonly permissionScope?: Construct;
}

/**
 * One EventBridge rule per catalogue schedule, targeting the catalogue function. The target's Lambda
 * permission is scoped to the rule (SourceArn), so nothing else can invoke the function through it.
 */
export class SchedulesConstruct extends Construct {
  readonly rules: ReadonlyMap<string, events.Rule>;

  constructor(scope: Construct, id: string, props: SchedulesConstructProps) {
    super(scope, id);
    const rules = new Map<string, events.Rule>();
    for (const spec of props.schedules) {
      if (!Number.isInteger(spec.rateMinutes) || spec.rateMinutes < 1) {
        throw new Error(`catalog: schedule ${spec.id} rateMinutes must be a whole number >= 1`);
      }
      const rate = Duration.minutes(spec.rateMinutes);
      const rule = new events.Rule(this, `Rule-${spec.id}`, {
        ruleName: physicalName(props.stage, spec.id),
        description: spec.purpose,
        schedule: events.Schedule.rate(rate),
        targets: [
          new ScheduledFunction(props.functionById(spec.function), props.permissionScope ?? this, {
            // A run delivered later than one period is superseded by the next scheduled run.
            maxEventAge: Duration.seconds(Math.max(60, rate.toSeconds())),
            retryAttempts: 2,
          }),
        ],
      });
      acknowledge(rule, [
        {
          id: "Serverless-EventBusDLQ",
          reason: `Fixed-rate schedule (every ${spec.rateMinutes} min): an event that cannot be delivered is superseded by the next run, so a DLQ would only hold stale ticks nobody replays. A missed status probe shows on the status page as a minute not probed, and the function's error alarm covers failing runs.`,
        },
      ]);
      rules.set(spec.id, rule);
    }
    this.rules = rules;
  }
}

/**
 * aws-events-targets' LambdaFunction, with the invoke permission in a scope of our choosing: that
 * target always puts it beside the rule. Same permission (events.amazonaws.com, only from this
 * rule's ARN) and the same retry policy.
 */
class ScheduledFunction implements events.IRuleTarget {
  constructor(
    private readonly handler: lambda.IFunction,
    private readonly permissionScope: Construct,
    private readonly retry: { readonly maxEventAge: Duration; readonly retryAttempts: number },
  ) {}

  bind(rule: events.IRule): events.RuleTargetConfig {
    this.handler.addPermission(`AllowSchedule-${rule.node.id}`, {
      scope: this.permissionScope,
      principal: new iam.ServicePrincipal("events.amazonaws.com"),
      action: "lambda:InvokeFunction",
      sourceArn: rule.ruleArn,
    });
    return {
      arn: this.handler.functionArn,
      retryPolicy: {
        maximumEventAgeInSeconds: this.retry.maxEventAge.toSeconds(),
        maximumRetryAttempts: this.retry.retryAttempts,
      },
    };
  }
}
