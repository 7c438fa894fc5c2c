import { beforeAll, describe, expect, it } from "vitest";
import { catalog } from "../../lib/catalog/index.ts";
import { CRS_BODY_RULES, CRS_NO_USER_AGENT } from "../../lib/waf-construct.ts";
import { type Synthesized, synthStack } from "./synth.ts";

/**
 * Evaluates the synthesised web ACL's own statements (byte matches on the URI path, labels, and/or/
 * not) against sample requests, so the test checks what WAF would decide, not how the rule is typed.
 */
interface Request {
  readonly path: string;
  /** Labels earlier rules (the core rule set, in Count) added to the request. */
  readonly labels?: readonly string[];
}

type CfnStatement = Record<string, unknown>;

interface CfnRule {
  readonly Name: string;
  readonly Priority: number;
  readonly Statement: CfnStatement;
  readonly Action?: Record<string, unknown>;
}

function transform(value: string, transformations: { Type: string }[]): string {
  return transformations.reduce(
    (text, t) =>
      t.Type === "URL_DECODE" ? decodeURIComponent(text) : t.Type === "NONE" ? text : fail(t.Type),
    value,
  );
}

function matches(statement: CfnStatement, request: Request): boolean {
  const [[kind, body]] = Object.entries(statement) as [[string, Record<string, unknown>]];
  switch (kind) {
    case "OrStatement":
      return (body.Statements as CfnStatement[]).some((s) => matches(s, request));
    case "AndStatement":
      return (body.Statements as CfnStatement[]).every((s) => matches(s, request));
    case "NotStatement":
      return !matches(body.Statement as CfnStatement, request);
    case "LabelMatchStatement":
      return (request.labels ?? []).includes(body.Key as string);
    case "ByteMatchStatement": {
      expect(body.FieldToMatch).toEqual({ UriPath: {} });
      const path = transform(request.path, body.TextTransformations as { Type: string }[]);
      const search = body.SearchString as string;
      if (body.PositionalConstraint === "STARTS_WITH") return path.startsWith(search);
      if (body.PositionalConstraint === "EXACTLY") return path === search;
      return fail(String(body.PositionalConstraint));
    }
    default:
      return fail(kind);
  }
}

function fail(what: string): never {
  throw new Error(`evaluator does not know ${what}`);
}

let synth: Synthesized;
let rules: CfnRule[];
beforeAll(() => {
  synth = synthStack();
  const acl = Object.values(synth.template.findResources("AWS::WAFv2::WebACL"))[0];
  rules = acl?.Properties.Rules as CfnRule[];
});

const rule = (name: string): CfnRule => rules.find((r) => r.Name === name) ?? fail(`rule ${name}`);

describe("per-IP limit on sign-in routes", () => {
  const scope = () =>
    (rule("per-ip-auth").Statement.RateBasedStatement as { ScopeDownStatement: CfnStatement })
      .ScopeDownStatement;

  it.each([
    ["/prod/v1/auth/login", "execute-api URL (stage in the path)"],
    ["/v1/auth/login", "custom domain"],
    ["/prod/v1/auth/mfa/sms", "execute-api URL, nested route"],
    ["/prod/v1/%61uth/login", "percent-encoded"],
    ["/prod/v1/account/invitations/accept", "invitation acceptance"],
  ])("counts %s (%s)", (path) => {
    expect(matches(scope(), { path })).toBe(true);
  });

  it.each(["/prod/v1/messages", "/v1/account/users", "/dev/v1/auth/login"])("leaves %s alone", (path) => {
    expect(matches(scope(), { path })).toBe(false);
  });
});

describe("core rule set rules that misfire on SMS texts and carrier callbacks", () => {
  const crs = () => rule("AWSManagedRulesCommonRuleSet");
  const blockedByLabelRules = (request: Request): string[] =>
    rules
      .filter((r) => r.Priority > crs().Priority && r.Action && "Block" in r.Action)
      .filter((r) => matches(r.Statement, request))
      .map((r) => r.Name);

  it("count inside the rule group (so only the scoped label rules after it decide)", () => {
    const overrides = (
      crs().Statement.ManagedRuleGroupStatement as {
        RuleActionOverrides: { Name: string; ActionToUse: unknown }[];
      }
    ).RuleActionOverrides;
    for (const name of [...Object.keys(CRS_BODY_RULES), CRS_NO_USER_AGENT.rule]) {
      expect(overrides).toContainEqual({ Name: name, ActionToUse: { Count: {} } });
    }
  });

  it.each(["/prod/v1/messages", "/v1/messages"])("an SMS text with <a href> or ../ passes on %s", (path) => {
    for (const label of Object.values(CRS_BODY_RULES))
      expect(blockedByLabelRules({ path, labels: [label] })).toEqual([]);
  });

  it.each([
    "/prod/v1/account/users/usr_1",
    "/prod/v1/verifications",
    "/v1/auth/login",
    "/prod/v1/messages/msg_1",
  ])("a body matching an XSS/LFI/RFI/SSRF rule is still blocked on %s", (path) => {
    for (const label of Object.values(CRS_BODY_RULES)) {
      expect(blockedByLabelRules({ path, labels: [label] })).toEqual(["crs-body-except-free-text"]);
    }
  });

  it("a carrier delivery report without User-Agent, quoting message text, passes", () => {
    for (const path of ["/prod/v1/carriers/c1/dlr", "/v1/carriers/c1/dlr"]) {
      const labels = [CRS_NO_USER_AGENT.label, ...Object.values(CRS_BODY_RULES)];
      expect(blockedByLabelRules({ path, labels })).toEqual([]);
    }
  });

  it("a request without User-Agent elsewhere is still blocked", () => {
    for (const path of ["/prod/v1/messages", "/v1/auth/login"]) {
      expect(blockedByLabelRules({ path, labels: [CRS_NO_USER_AGENT.label] })).toEqual([
        "crs-no-user-agent-except-carrier-callbacks",
      ]);
    }
  });
});

describe("the scoped paths are the catalogue's routes", () => {
  it("POST /v1/messages carries the SMS text and the only /v1/carriers/ route is the DLR callback", () => {
    const deployed = catalog.routes.filter((route) => !route.localOnly);
    expect(deployed.some((r) => r.method === "POST" && r.path === "/v1/messages")).toBe(true);
    const carrierRoutes = deployed.filter((route) => route.path.startsWith("/v1/carriers/"));
    expect(carrierRoutes.map((route) => `${route.method} ${route.path}`)).toEqual([
      "POST /v1/carriers/{carrierId}/dlr",
    ]);
  });
});
