/**
 * The operator API on AWS: /v1/admin methods use AWS_IAM, and the stack outputs a managed policy
 * that allows execute-api:Invoke on exactly those methods (nothing else), to attach to operators.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { catalog } from "../../lib/catalog/index.ts";
import { logicalId, type Synthesized, synthStack } from "./synth.ts";

let synth: Synthesized;
beforeAll(() => {
  synth = synthStack();
});

const adminRoutes = catalog.routes.filter((route) => route.auth === "iam" && !route.localOnly);

/** The method/path tail of each execute-api ARN (a CloudFormation join ending "/<METHOD>/<path>"). */
function invokedPaths(resources: unknown[]): string[] {
  return resources.map((resource) => {
    const parts = (resource as { "Fn::Join": [string, unknown[]] })["Fn::Join"][1];
    const last = parts[parts.length - 1];
    return typeof last === "string" ? last : JSON.stringify(last);
  });
}

describe("operator API (AWS IAM)", () => {
  it("has every /v1/admin route and nothing else on iam auth", () => {
    expect(adminRoutes.length).toBeGreaterThan(0);
    for (const route of catalog.routes.filter((r) => r.path.startsWith("/v1/admin"))) {
      expect(route.auth).toBe("iam");
      expect(route.audience).toBe("operators");
    }
  });

  it("outputs a managed policy allowing execute-api:Invoke on exactly the admin routes", () => {
    const policyId = logicalId(synth.stack.api.operatorPolicy);
    const outputs = synth.template.findOutputs("OperatorPolicyArn");
    expect(Object.values(outputs)[0]?.Value).toEqual({ Ref: policyId });
    const policy = synth.template.findResources("AWS::IAM::ManagedPolicy")[policyId];
    const statements = policy?.Properties.PolicyDocument.Statement as {
      Action: string;
      Effect: string;
      Resource: unknown[];
    }[];
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatchObject({ Action: "execute-api:Invoke", Effect: "Allow" });
    const expected = adminRoutes.map((route) => `/${route.method}${route.path.replace(/\{[^}]+\}/g, "*")}`);
    expect(invokedPaths(statements[0]?.Resource ?? []).sort()).toEqual(expected.sort());
  });
});
