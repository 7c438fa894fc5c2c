import { NestedStack } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { describe, expect, it } from "vitest";
import { synthStack } from "./synth.ts";

/**
 * CloudFormation refuses a template of more than 500 resources (each nested stack is a template of
 * its own), and a nested stack of more than 200 parameters or outputs. Each function costs its stack
 * about 5 to 8 resources, so this test keeps a margin: a template past TEMPLATE_BUDGET fails here,
 * well before a deploy would, while there is still room to move a group of resources (as the alarms
 * were) into a nested stack.
 */
const CLOUDFORMATION_RESOURCE_LIMIT = 500;
const CLOUDFORMATION_PARAMETER_LIMIT = 200;
const CLOUDFORMATION_OUTPUT_LIMIT = 200;
const TEMPLATE_BUDGET = 400;

const everyOption = {
  smppConnector: "true",
  replicaRegion: "eu-west-1",
  domainName: "api.example.com",
  certificateArn: "arn:aws:acm:eu-central-1:123456789012:certificate/x",
  alarmEmail: "oncall@example.com",
  mailSender: "no-reply@mail.example.com",
  invitationUrl: "https://app.example.com/accept-invitation",
};

interface TemplateSize {
  readonly path: string;
  readonly resources: number;
  readonly parameters: number;
  readonly outputs: number;
}

/** The root stack's template and every nested stack's, with their sizes. */
function templateSizes(context: Record<string, string>): TemplateSize[] {
  const { stack, template } = synthStack(context);
  const nested = stack.node.findAll().filter((construct) => NestedStack.isNestedStack(construct));
  const templates: [string, Template][] = [
    [stack.node.path, template],
    ...nested.map((child): [string, Template] => [child.node.path, Template.fromStack(child)]),
  ];
  return templates.map(([path, found]) => {
    const json = found.toJSON();
    return {
      path,
      resources: Object.keys(json.Resources ?? {}).length,
      parameters: Object.keys(json.Parameters ?? {}).length,
      outputs: Object.keys(json.Outputs ?? {}).length,
    };
  });
}

describe("every template fits CloudFormation's limits", () => {
  it("with every option on (SMPP connector, replica region, custom domain, alarm email, mail)", () => {
    const sizes = templateSizes(everyOption);
    expect(sizes.length, "the alarms' nested stack is among the templates").toBeGreaterThan(1);
    console.info(sizes.map((size) => `${size.path}: ${size.resources} resources`).join("; "));
    for (const size of sizes) {
      expect(size.resources, size.path).toBeLessThan(CLOUDFORMATION_RESOURCE_LIMIT);
      expect(size.parameters, size.path).toBeLessThanOrEqual(CLOUDFORMATION_PARAMETER_LIMIT);
      expect(size.outputs, size.path).toBeLessThanOrEqual(CLOUDFORMATION_OUTPUT_LIMIT);
      expect(
        size.resources,
        `${size.path} is past its budget of ${TEMPLATE_BUDGET} resources: move a group of resources into a nested stack (see lib/monitoring-construct.ts)`,
      ).toBeLessThanOrEqual(TEMPLATE_BUDGET);
    }
  });
});
