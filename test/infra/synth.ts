import { resolve } from "node:path";
import { App, type CfnElement, NestedStack, type PolicyViolation, Stack } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import type { IConstruct } from "constructs";
import { nagPacks } from "../../lib/nag.ts";
import { readSettings } from "../../lib/settings.ts";
import { TextgateStack } from "../../lib/textgate-stack.ts";

export const projectRoot = resolve(import.meta.dirname, "../..");

export interface Synthesized {
  readonly app: App;
  readonly stack: TextgateStack;
  readonly template: Template;
}

/**
 * Builds the real stack from THE catalogue. Code is stubbed (context textgate:bundling=stub) so tests
 * skip esbuild, and CDK's built-in CloudFormation schema validation is off (slow): `cdk synth` in
 * .ci/run bundles every function for real and runs that validation.
 */
export function synthStack(context: Record<string, string> = {}): Synthesized {
  const app = new App({
    builtinCloudFormationValidation: false,
    context: { "textgate:bundling": "stub", ...context },
  });
  const settings = readSettings(app.node);
  const stack = new TextgateStack(app, "Textgate-test", {
    env: { account: "123456789012", region: settings.region },
    settings,
    projectRoot,
  });
  return { app, stack, template: Template.fromStack(stack) };
}

/**
 * A nested stack's template as its parent deploys it: every `{"Ref": <parameter>}` is replaced by
 * the value the parent passes in, so a reference to a parent resource reads as it would in the
 * parent (`{"Ref": <function logical id>}`, `{"Fn::GetAtt": [<queue logical id>, "QueueName"]}`).
 */
export function nestedTemplate(synth: Synthesized, nested: NestedStack): Template {
  const cached = nestedTemplates.get(synth)?.get(nested);
  if (cached) return cached;
  const resource = nested.nestedStackResource;
  if (!resource) throw new Error(`${nested.node.path} is not a nested stack`);
  const passedIn = (synth.template.toJSON().Resources[logicalId(resource)]?.Properties?.Parameters ??
    {}) as Record<string, unknown>;
  const substitute = (fragment: unknown): unknown => {
    if (Array.isArray(fragment)) return fragment.map(substitute);
    if (fragment === null || typeof fragment !== "object") return fragment;
    const entries = Object.entries(fragment);
    const [only] = entries;
    if (entries.length === 1 && only?.[0] === "Ref" && typeof only[1] === "string" && only[1] in passedIn) {
      return passedIn[only[1]];
    }
    return Object.fromEntries(entries.map(([key, value]) => [key, substitute(value)]));
  };
  const template = Template.fromJSON(
    substitute(Template.fromStack(nested).toJSON()) as Record<string, unknown>,
  );
  const perSynth = nestedTemplates.get(synth) ?? new Map<NestedStack, Template>();
  perSynth.set(nested, template);
  nestedTemplates.set(synth, perSynth);
  return template;
}

const nestedTemplates = new WeakMap<Synthesized, Map<NestedStack, Template>>();

interface PolicyResourceJson {
  readonly Properties: { Roles?: unknown[]; PolicyDocument: { Statement: PolicyStatementJson[] } };
}

/** The root template and every nested stack's (as the parent deploys it), each with its stack. */
export function allTemplates(synth: Synthesized): [Stack, Template][] {
  const nested = synth.stack.node.findAll().filter((construct) => NestedStack.isNestedStack(construct));
  return [
    [synth.stack, synth.template],
    ...nested.map((stack): [Stack, Template] => [stack, nestedTemplate(synth, stack)]),
  ];
}

/**
 * Every inline-policy statement attached to `role`, wherever the policy sits: in the role's own
 * stack (a function's role lives in the function role stack) or another one (e.g. the usage-plan-key
 * policies in the permissions stack), which names a nested role through that stack's output.
 */
export function statementsOfRole(synth: Synthesized, role: IConstruct): PolicyStatementJson[] {
  const roleStack = Stack.of(role);
  const asRef = JSON.stringify({ Ref: logicalId(role) });
  const isTheRole = (ref: unknown) => JSON.stringify(ref) === asRef;
  let viaOutput = isTheRole;
  if (NestedStack.isNestedStack(roleStack)) {
    const outputs = (nestedTemplate(synth, roleStack).toJSON().Outputs ?? {}) as Record<
      string,
      { Value: unknown }
    >;
    const nestedResource = roleStack.nestedStackResource;
    if (!nestedResource) throw new Error(`${roleStack.node.path} is not a nested stack`);
    viaOutput = (ref: unknown) => {
      const getAtt = (ref as { "Fn::GetAtt"?: unknown[] })["Fn::GetAtt"];
      if (!Array.isArray(getAtt) || getAtt[0] !== logicalId(nestedResource)) return false;
      return isTheRole(outputs[String(getAtt[1]).replace(/^Outputs\./, "")]?.Value);
    };
  }
  return allTemplates(synth).flatMap(([stack, template]) =>
    (Object.values(template.findResources("AWS::IAM::Policy")) as PolicyResourceJson[])
      .filter((policy) => (policy.Properties.Roles ?? []).some(stack === roleStack ? isTheRole : viaOutput))
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement),
  );
}

/** Unacknowledged cdk-nag findings (AwsSolutions + Serverless) of one severity. */
export function nagViolations(scope: IConstruct, severity: "error" | "warning"): PolicyViolation[] {
  return nagPacks()
    .flatMap((pack) => pack.validateScope(scope).violations)
    .filter((violation) => violation.severity === severity);
}

export const logicalId = (construct: IConstruct): string => {
  const element = (construct.node.defaultChild ?? construct) as CfnElement;
  return Stack.of(construct).resolve(element.logicalId) as string;
};

/** logical id → "table:accounts", "queue:sms-otp", "dlq:sms-otp", "key:data", "logs:send", "usage-plan", ... */
export function resourceLabels(stack: TextgateStack): Map<string, string> {
  const labels = new Map<string, string>();
  for (const [id, table] of stack.data.tables) labels.set(logicalId(table), `table:${id}`);
  for (const [id, key] of stack.data.keys) labels.set(logicalId(key), `key:${id}`);
  for (const [id, pair] of stack.messaging.queues) {
    labels.set(logicalId(pair.queue), `queue:${id}`);
    labels.set(logicalId(pair.dlq), `dlq:${id}`);
    if (pair.parked) labels.set(logicalId(pair.parked), `parked:${id}`);
  }
  labels.set(logicalId(stack.api.usagePlan), "usage-plan");
  for (const [id, fn] of stack.functions.functions) {
    labels.set(logicalId(fn), `function:${id}`);
    const logGroup = fn.node.scope?.node.tryFindChild(`Logs-${id}`);
    if (logGroup) labels.set(logicalId(logGroup), `logs:${id}`);
  }
  return labels;
}

/** Every logical id referenced (Ref / Fn::GetAtt) anywhere inside a template fragment. */
export function referencedIds(fragment: unknown, out: Set<string> = new Set()): Set<string> {
  if (Array.isArray(fragment)) {
    for (const item of fragment) referencedIds(item, out);
  } else if (fragment !== null && typeof fragment === "object") {
    for (const [key, value] of Object.entries(fragment)) {
      if (key === "Ref" && typeof value === "string") out.add(value);
      else if (key === "Fn::GetAtt" && Array.isArray(value) && typeof value[0] === "string")
        out.add(value[0]);
      else referencedIds(value, out);
    }
  }
  return out;
}

export interface PolicyStatementJson {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
}

export const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);
