import { Match } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { PROBLEM_BASE, PROBLEM_CONTENT_TYPE, problemTypes } from "../../functions/shared/problem.ts";
import { API_SECURITY_POLICY } from "../../lib/api-construct.ts";
import { apiThrottles, catalog } from "../../lib/catalog/index.ts";
import { GATEWAY_PROBLEMS, GATEWAY_SECURITY_HEADERS } from "../../lib/gateway-responses.ts";
import { AUTHORIZER_FUNCTION_ID } from "../../lib/textgate-stack.ts";
import { WAF_RETRY_AFTER_SECONDS } from "../../lib/waf-construct.ts";
import { logicalId, type Synthesized, synthStack } from "./synth.ts";

let synth: Synthesized;
beforeAll(() => {
  synth = synthStack();
});

type Resources = Record<string, { Properties: Record<string, unknown> }>;
const resourcesOf = (type: string): Resources => synth.template.findResources(type) as Resources;

/** "/v1/messages/{id}" as API Gateway stores it: resource logical id of the last path part. */
function methodFor(method: string, path: string): Record<string, unknown> | undefined {
  const resource = synth.stack.api.api.root.resourceForPath(path);
  const resourceRef = path === "/" ? undefined : logicalId(resource);
  return Object.values(resourcesOf("AWS::ApiGateway::Method"))
    .map((m) => m.Properties)
    .find(
      (props) => props.HttpMethod === method && JSON.stringify(props.ResourceId).includes(resourceRef ?? ""),
    );
}

describe("REST API", () => {
  it("is regional, TLS 1.2+ (enhanced policy, strict access), API keys from the authorizer", () => {
    synth.template.hasResourceProperties("AWS::ApiGateway::RestApi", {
      EndpointConfiguration: { Types: ["REGIONAL"] },
      SecurityPolicy: API_SECURITY_POLICY,
      EndpointAccessMode: "STRICT",
      ApiKeySourceType: "AUTHORIZER",
    });
    expect(API_SECURITY_POLICY).toMatch(/TLS13_1_2/);
  });

  it("stage: named after the stage context, throttled, traced, JSON access logs to a KMS log group", () => {
    const stage = Object.values(resourcesOf("AWS::ApiGateway::Stage"))[0]?.Properties;
    expect(stage).toMatchObject({ StageName: "prod", TracingEnabled: true });
    const settings = stage?.MethodSettings as Record<string, unknown>[];
    const stageWide = settings.find((s) => s.HttpMethod === "*" && s.ResourcePath === "/*");
    expect(stageWide?.ThrottlingRateLimit).toBe(apiThrottles.stage.rateLimit);
    expect(stageWide?.ThrottlingBurstLimit).toBe(apiThrottles.stage.burstLimit);
    const access = stage?.AccessLogSetting as { DestinationArn: unknown; Format: string };
    const format = JSON.parse(access.Format) as Record<string, string>;
    expect(format.requestId).toBe("$context.requestId");
    expect(format.status).toBe("$context.status");
    expect(access.Format).not.toMatch(/header|body/i);
    const logGroupId = logicalId(synth.stack.api.accessLogs);
    expect(access.DestinationArn).toEqual({ "Fn::GetAtt": [logGroupId, "Arn"] });
    expect(resourcesOf("AWS::Logs::LogGroup")[logGroupId]?.Properties).toMatchObject({
      KmsKeyId: { "Fn::GetAtt": [logicalId(synth.stack.data.atRest("logs")), "Arn"] },
      RetentionInDays: expect.any(Number),
    });
  });

  it("method throttles come from route.throttle", () => {
    const stage = Object.values(resourcesOf("AWS::ApiGateway::Stage"))[0]?.Properties;
    const settings = stage?.MethodSettings as Record<string, unknown>[];
    const throttled = catalog.routes.filter((route) => route.throttle && !route.localOnly);
    expect(throttled.length).toBeGreaterThan(0);
    for (const route of throttled) {
      const encoded = `/${route.path.replaceAll("/", "~1")}`;
      const setting = settings.find((s) => s.HttpMethod === route.method && s.ResourcePath === encoded);
      expect(setting, `${route.method} ${route.path}`).toMatchObject({
        ThrottlingRateLimit: route.throttle?.rateLimit,
        ThrottlingBurstLimit: route.throttle?.burstLimit,
      });
    }
  });

  it("usage plan throttles per key on this stage", () => {
    synth.template.hasResourceProperties("AWS::ApiGateway::UsagePlan", {
      Throttle: { RateLimit: apiThrottles.perKey.rateLimit, BurstLimit: apiThrottles.perKey.burstLimit },
      ApiStages: [Match.objectLike({ Stage: Match.anyValue() })],
    });
  });

  it("REQUEST authorizer: the catalogue's authorizer function, cached 30 s per Authorization header and source IP", () => {
    const authorizerFn = logicalId(synth.stack.functions.fn(AUTHORIZER_FUNCTION_ID));
    synth.template.hasResourceProperties("AWS::ApiGateway::Authorizer", {
      Type: "REQUEST",
      IdentitySource: "method.request.header.Authorization,context.identity.sourceIp",
      AuthorizerResultTtlInSeconds: 30,
    });
    const authorizer = Object.values(resourcesOf("AWS::ApiGateway::Authorizer"))[0]?.Properties;
    expect(JSON.stringify(authorizer?.AuthorizerUri)).toContain(authorizerFn);
  });

  it.each(
    catalog.routes
      .filter((route) => !route.localOnly)
      .map((route) => [route.method, route.path, route] as const),
  )("%s %s: deployed with the catalogue's auth and function", (method, path, route) => {
    const props = methodFor(method, path);
    expect(props).toBeDefined();
    const fnId = logicalId(synth.stack.functions.fn(route.function));
    expect(JSON.stringify(props?.Integration)).toContain(fnId);
    expect(props?.Integration).toMatchObject({ Type: "AWS_PROXY" });
    if (route.auth === "public") {
      expect(props?.AuthorizationType).toBe("NONE");
      expect(props?.ApiKeyRequired ?? false).toBe(false);
    } else if (route.auth === "iam") {
      expect(props?.AuthorizationType).toBe("AWS_IAM");
      expect(props?.ApiKeyRequired ?? false).toBe(false);
      expect(props?.AuthorizerId).toBeUndefined();
    } else {
      expect(props).toMatchObject({ AuthorizationType: "CUSTOM", ApiKeyRequired: true });
      expect(props?.RequestParameters).toMatchObject({ "method.request.header.Authorization": true });
    }
    for (const match of path.matchAll(/\{([^}]+)\}/g)) {
      expect(props?.RequestParameters).toMatchObject({ [`method.request.path.${match[1]}`]: true });
      expect(props?.RequestValidatorId).toBeDefined();
    }
  });

  it("skips localOnly routes", () => {
    const localOnly = catalog.routes.filter((route) => route.localOnly);
    for (const route of localOnly) expect(methodFor(route.method, route.path)).toBeUndefined();
  });
});

describe("gateway responses", () => {
  const responses = () =>
    Object.values(resourcesOf("AWS::ApiGateway::GatewayResponse")).map((r) => r.Properties);

  it("cover the API Gateway error types a client can meet", () => {
    const types = responses().map((r) => r.ResponseType);
    for (const type of [
      "DEFAULT_4XX",
      "DEFAULT_5XX",
      "UNAUTHORIZED",
      "ACCESS_DENIED",
      "THROTTLED",
      "MISSING_AUTHENTICATION_TOKEN",
      "INVALID_API_KEY",
      "BAD_REQUEST_PARAMETERS",
      "INTEGRATION_TIMEOUT",
    ]) {
      expect(types).toContain(type);
    }
  });

  it.each(GATEWAY_PROBLEMS.map((p) => [p.type.responseType, p] as const))(
    "%s is RFC 9457 problem+json with the functions' type URI and matching status",
    (type, problem) => {
      const response = responses().find((r) => r.ResponseType === type);
      const status = problemTypes[problem.slug].status;
      expect(response?.StatusCode).toBe(String(status));
      expect(response?.ResponseParameters).toMatchObject({
        "gatewayresponse.header.Content-Type": `'${PROBLEM_CONTENT_TYPE}'`,
        ...Object.fromEntries(
          Object.entries(GATEWAY_SECURITY_HEADERS).map(([name, value]) => [
            `gatewayresponse.header.${name}`,
            `'${value}'`,
          ]),
        ),
      });
      expect(GATEWAY_SECURITY_HEADERS["Strict-Transport-Security"]).toMatch(/max-age=\d{8,}/);
      if (status === 429) {
        expect(Object.keys(response?.ResponseParameters ?? {})).toContain(
          "gatewayresponse.header.Retry-After",
        );
      }
      const templates = (response?.ResponseTemplates ?? {}) as Record<string, string>;
      const template = templates["application/json"] ?? "";
      const body = JSON.parse(
        template.replace("$context.error.messageString", '"message"').replace("$context.requestId", "req-1"),
      ) as Record<string, unknown>;
      expect(body).toMatchObject({ type: `${PROBLEM_BASE}${problem.slug}`, status, instance: "req-1" });
      expect(body.title).toBe(problemTypes[problem.slug].title);
    },
  );

  it("unknown routes are 404 not-found, throttling is 429 with Retry-After", () => {
    const missing = responses().find((r) => r.ResponseType === "MISSING_AUTHENTICATION_TOKEN");
    expect(missing?.StatusCode).toBe("404");
    const throttled = responses().find((r) => r.ResponseType === "THROTTLED");
    expect(throttled?.StatusCode).toBe("429");
    expect(throttled?.ResponseParameters).toMatchObject({ "gatewayresponse.header.Retry-After": "'1'" });
  });
});

describe("WAF", () => {
  it("protects the stage with per-IP rate rules (429 + Retry-After) and AWS managed rules", () => {
    const acl = Object.values(resourcesOf("AWS::WAFv2::WebACL"))[0]?.Properties;
    expect(acl).toMatchObject({ Scope: "REGIONAL", DefaultAction: { Allow: {} } });
    const rules = acl?.Rules as Record<string, unknown>[];
    const rateRules = rules.filter((rule) => JSON.stringify(rule.Statement).includes("RateBasedStatement"));
    expect(rateRules.length).toBeGreaterThanOrEqual(2);
    for (const rule of rateRules) {
      expect(rule.Action).toMatchObject({
        Block: {
          CustomResponse: {
            ResponseCode: 429,
            ResponseHeaders: expect.arrayContaining([
              { Name: "Retry-After", Value: String(WAF_RETRY_AFTER_SECONDS) },
            ]),
          },
        },
      });
    }
    const managed = rules
      .map((rule) => JSON.stringify(rule.Statement))
      .filter((s) => s.includes("ManagedRuleGroup"));
    expect(managed.some((s) => s.includes("AWSManagedRulesCommonRuleSet"))).toBe(true);
    const body =
      Object.values(acl?.CustomResponseBodies as Record<string, { Content: string }>)[0]?.Content ?? "{}";
    expect(JSON.parse(body)).toMatchObject({ type: `${PROBLEM_BASE}rate-limited`, status: 429 });
    synth.template.hasResourceProperties("AWS::WAFv2::WebACLAssociation", {
      WebACLArn: Match.anyValue(),
      ResourceArn: Match.anyValue(),
    });
    const association = Object.values(resourcesOf("AWS::WAFv2::WebACLAssociation"))[0]?.Properties;
    expect(JSON.stringify(association?.ResourceArn)).toContain("/stages/");
  });

  it("waf=false removes it", () => {
    const withoutWaf = synthStack({ waf: "false" });
    withoutWaf.template.resourceCountIs("AWS::WAFv2::WebACL", 0);
  });
});

describe("context", () => {
  it("perKeyThrottle=false keeps the usage plan but stops requiring a plan key", () => {
    const relaxed = synthStack({ perKeyThrottle: "false" });
    const methods = Object.values(relaxed.template.findResources("AWS::ApiGateway::Method"));
    expect(methods.some((m) => m.Properties.AuthorizationType === "CUSTOM")).toBe(true);
    for (const m of methods) expect(m.Properties.ApiKeyRequired ?? false).toBe(false);
  });

  it("a custom domain gets the same TLS policy and maps to the stage", () => {
    const withDomain = synthStack({
      domainName: "api.example.com",
      certificateArn: "arn:aws:acm:eu-central-1:123456789012:certificate/abc",
    });
    withDomain.template.hasResourceProperties("AWS::ApiGateway::DomainName", {
      DomainName: "api.example.com",
      SecurityPolicy: API_SECURITY_POLICY,
      EndpointConfiguration: { Types: ["REGIONAL"] },
    });
    withDomain.template.resourceCountIs("AWS::ApiGateway::BasePathMapping", 1);
  });
});
