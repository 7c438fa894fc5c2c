import { App } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { ReplicaKeyStack } from "../../lib/replica-key-stack.ts";
import { type Synthesized, synthStack } from "./synth.ts";

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
