import { App } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { ReplicaKeyStack } from "../../lib/replica-key-stack.ts";
import { logicalId, nestedTemplate, type Synthesized, synthStack } from "./synth.ts";

/**
 * Resources with fixed names must not survive the rollback of a failed first deploy, or every retry
 * fails with "already exists"; once created they are kept on stack deletion and replacement.
 */
const NAMED_DATA_RESOURCES = ["AWS::DynamoDB::GlobalTable", "AWS::KMS::Key", "AWS::Logs::LogGroup"];

let synth: Synthesized;
beforeAll(() => {
  synth = synthStack();
});

interface PolicyView {
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
}

function policiesOf(template: Template, type: string): [string, PolicyView][] {
  return Object.entries(template.findResources(type)) as [string, PolicyView][];
}

describe("a failed first deploy can be retried", () => {
  it.each(NAMED_DATA_RESOURCES)("every %s is retained except when its creation rolls back", (type) => {
    const resources = policiesOf(synth.template, type);
    expect(resources.length).toBeGreaterThan(0);
    for (const [id, resource] of resources) {
      expect({ id, deletion: resource.DeletionPolicy, replace: resource.UpdateReplacePolicy }).toEqual({
        id,
        deletion: "RetainExceptOnCreate",
        replace: "Retain",
      });
    }
  });

  it("the replica-region key follows the same rule", () => {
    const app = new App();
    const stack = new ReplicaKeyStack(app, "ReplicaKey", {
      env: { account: "123456789012", region: "eu-west-1" },
      stage: "prod",
      alias: "alias/textgate/tables/prod",
    });
    const [[, key] = ["", {}]] = policiesOf(Template.fromStack(stack), "AWS::KMS::Key");
    expect(key).toMatchObject({ DeletionPolicy: "RetainExceptOnCreate", UpdateReplacePolicy: "Retain" });
  });
});

describe("deletion protection comes last", () => {
  interface ProtectionResource {
    readonly Properties: { readonly Create: unknown };
    readonly DependsOn?: readonly string[];
  }
  // The protections live in their own nested stack; read it as the parent deploys it (table refs
  // substituted), and the parent's view of that stack for what it waits for.
  const protectionTemplate = () => nestedTemplate(synth, synth.stack.tableProtection.protectionStack);
  const protections = () =>
    Object.entries(protectionTemplate().findResources("Custom::AWS")).filter(([, resource]) =>
      JSON.stringify(resource.Properties.Create).includes("DeletionProtectionEnabled"),
    ) as [string, ProtectionResource][];

  it("the template never sets it, so a rolled-back first deploy can remove the tables", () => {
    for (const [, table] of Object.entries(synth.template.findResources("AWS::DynamoDB::GlobalTable"))) {
      for (const replica of table.Properties.Replicas as { DeletionProtectionEnabled?: boolean }[]) {
        expect(replica.DeletionProtectionEnabled).not.toBe(true);
      }
    }
  });

  it("every table is protected by an UpdateTable once everything else in the stack exists", () => {
    const tables = Object.keys(synth.template.findResources("AWS::DynamoDB::GlobalTable"));
    const found = protections();
    expect(found.length).toBe(tables.length);
    for (const table of tables) {
      expect(found.some(([, resource]) => JSON.stringify(resource.Properties.Create).includes(table))).toBe(
        true,
      );
    }
    // Inside the nested stack the protections form one chain (each waits for the one before it).
    const byId = new Map(found);
    const firstLinks = found.filter(
      ([, resource]) => !(resource.DependsOn ?? []).some((dep) => byId.has(dep)),
    );
    expect(firstLinks.length).toBe(1);
    // The nested stack waits for the rest of the parent: the API stage, the functions, the alarms
    // and the other nested stacks (the alarm stack, the functions' role stack).
    const protectionStack = synth.stack.tableProtection.protectionStack.nestedStackResource;
    if (!protectionStack) throw new Error("the protection stack has no resource in the parent");
    const resources = synth.template.toJSON().Resources as Record<
      string,
      { Type: string; DependsOn?: string[] }
    >;
    const all = Object.keys(resources);
    const mustWaitFor = all.filter(
      (id) =>
        id !== logicalId(protectionStack) &&
        [
          "AWS::ApiGateway::Stage",
          "AWS::Lambda::Function",
          "AWS::CloudWatch::Alarm",
          "AWS::CloudFormation::Stack",
        ].includes(resources[id]?.Type ?? ""),
    );
    const alarmStack = synth.stack.monitoring.alarmStack.nestedStackResource;
    const roleStack = synth.stack.functions.roleStack.nestedStackResource;
    if (!alarmStack || !roleStack) throw new Error("a nested stack has no resource in the parent");
    expect(mustWaitFor).toContain(logicalId(alarmStack));
    expect(mustWaitFor).toContain(logicalId(roleStack));
    const waited = new Set(resources[logicalId(protectionStack)]?.DependsOn ?? []);
    expect(mustWaitFor.filter((id) => !waited.has(id))).toEqual([]);
  });
});
