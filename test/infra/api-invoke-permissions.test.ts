import { beforeAll, describe, expect, it } from "vitest";
import { catalog } from "../../lib/catalog/index.ts";
import { AUTHORIZER_FUNCTION_ID } from "../../lib/textgate-stack.ts";
import { allTemplates, logicalId, type Synthesized, synthStack } from "./synth.ts";

/**
 * API Gateway may invoke a function behind the API only for this API's deployed stage (never the
 * console's test-invoke stage, another stage or another API), with ONE permission per function
 * rather than one per method: per-method permissions cost 59 of CloudFormation's 500 resources.
 */
let synth: Synthesized;
beforeAll(() => {
  synth = synthStack();
});

interface PermissionProps {
  readonly FunctionName: unknown;
  readonly Principal: string;
  readonly SourceArn: unknown;
}

/** An ARN as a string, `<LogicalId>` for each Ref (Fn::Join of literals and Refs only). */
function render(fragment: unknown): string {
  if (typeof fragment === "string") return fragment;
  const value = fragment as { Ref?: string; "Fn::Join"?: [string, unknown[]] };
  if (value.Ref) return `<${value.Ref}>`;
  if (value["Fn::Join"]) return value["Fn::Join"][1].map(render).join(value["Fn::Join"][0]);
  throw new Error(`cannot render ${JSON.stringify(fragment)}`);
}

function apiGatewayPermissions(): { functionId: string; sourceArn: string }[] {
  const functionIdByLogicalId = new Map(
    [...synth.stack.functions.functions].map(([id, fn]) => [logicalId(fn), id] as const),
  );
  // The routes' permissions sit in the permissions stack, the authorizer's in the parent.
  return allTemplates(synth)
    .flatMap(([, template]) => Object.values(template.findResources("AWS::Lambda::Permission")))
    .map((resource) => resource.Properties as PermissionProps)
    .filter((props) => props.Principal === "apigateway.amazonaws.com")
    .map((props) => {
      const [functionLogicalId] = (props.FunctionName as { "Fn::GetAtt": [string, string] })["Fn::GetAtt"];
      return {
        functionId: functionIdByLogicalId.get(functionLogicalId) ?? functionLogicalId,
        sourceArn: render(props.SourceArn),
      };
    });
}

describe("API Gateway → Lambda invoke permissions", () => {
  const apiArn = () =>
    `arn:<AWS::Partition>:execute-api:eu-central-1:123456789012:<${logicalId(synth.stack.api.api)}>`;
  const routeFunctions = () =>
    new Set(catalog.routes.filter((route) => !route.localOnly).map((route) => route.function));

  it("each function behind a route has exactly one, for any method and path of this API's stage", () => {
    const onRoutes = apiGatewayPermissions().filter((p) => p.functionId !== AUTHORIZER_FUNCTION_ID);
    expect(routeFunctions().size).toBeGreaterThan(1);
    expect(onRoutes.map((p) => p.functionId).sort()).toEqual([...routeFunctions()].sort());
    for (const permission of onRoutes) {
      expect(permission.sourceArn, permission.functionId).toBe(`${apiArn()}/prod/*/*`);
    }
  });

  it("the authorizer may be invoked as this API's authorizer only", () => {
    const authorizer = apiGatewayPermissions().filter((p) => p.functionId === AUTHORIZER_FUNCTION_ID);
    expect(authorizer.map((p) => p.sourceArn)).toEqual([
      `${apiArn()}/authorizers/<${logicalId(synth.stack.api.node.findChild("Authorizer"))}>`,
    ]);
  });

  it("functions off the API get no API Gateway permission", () => {
    const allowed = new Set([...routeFunctions(), AUTHORIZER_FUNCTION_ID]);
    expect(apiGatewayPermissions().filter((p) => !allowed.has(p.functionId))).toEqual([]);
  });
});
