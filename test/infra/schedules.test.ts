import { beforeAll, describe, expect, it } from "vitest";
import { catalog, physicalName } from "../../lib/catalog/index.ts";
import {
  allTemplates,
  asList,
  logicalId,
  referencedIds,
  type Synthesized,
  statementsOfRole,
  synthStack,
} from "./synth.ts";

let synth: Synthesized;
beforeAll(() => {
  synth = synthStack();
});

type Resources = Record<string, { Properties: Record<string, unknown> }>;
const resourcesOf = (type: string): Resources => synth.template.findResources(type) as Resources;

/** EventBridge's rate expression as CDK writes it: whole hours in hours (60 minutes → "1 hour"). */
const rate = (minutes: number): string => {
  const [value, unit] = minutes % 60 === 0 ? [minutes / 60, "hour"] : [minutes, "minute"];
  return `rate(${value} ${value === 1 ? unit : `${unit}s`})`;
};

describe.each(catalog.schedules.map((spec) => [spec.id, spec] as const))("schedule %s", (_id, spec) => {
  it("is an enabled EventBridge rule at the catalogue rate targeting the catalogue function", () => {
    const fnId = logicalId(synth.stack.functions.fn(spec.function));
    const rules = Object.entries(resourcesOf("AWS::Events::Rule")).filter(
      ([, rule]) => rule.Properties.Name === physicalName("prod", spec.id),
    );
    expect(rules).toHaveLength(1);
    const [ruleId, rule] = rules[0] as [string, { Properties: Record<string, unknown> }];
    expect(rule.Properties).toMatchObject({ ScheduleExpression: rate(spec.rateMinutes), State: "ENABLED" });
    const targets = rule.Properties.Targets as { Arn: unknown; RetryPolicy?: unknown }[];
    expect(targets).toHaveLength(1);
    expect(referencedIds(targets[0]?.Arn)).toEqual(new Set([fnId]));

    // Only this rule may invoke the function through EventBridge (the permission may sit in a nested stack).
    const permissions = allTemplates(synth)
      .flatMap(([, template]) =>
        Object.values(template.findResources("AWS::Lambda::Permission") as Resources),
      )
      .filter(
        (permission) =>
          permission.Properties.Principal === "events.amazonaws.com" &&
          referencedIds(permission.Properties.FunctionName).has(fnId),
      );
    expect(permissions).toHaveLength(1);
    expect(referencedIds(permissions[0]?.Properties.SourceArn)).toEqual(new Set([ruleId]));
  });
});

it("gives queue 'inspect' grants sqs:GetQueueAttributes only: no receive, delete or send", () => {
  const inspectors = catalog.functions.filter((fn) =>
    Object.values(fn.grants.queues ?? {}).some((access) => access === "inspect"),
  );
  expect(inspectors.length).toBeGreaterThan(0);
  for (const fn of inspectors) {
    const role = synth.stack.functions.fn(fn.id).role;
    if (!role) throw new Error("no role");
    const sqsActions = statementsOfRole(synth, role)
      .flatMap((statement) => asList(statement.Action))
      .filter((action) => action.startsWith("sqs:"));
    expect([...new Set(sqsActions)]).toEqual(["sqs:GetQueueAttributes"]);
  }
});
