import * as wafv2 from "aws-cdk-lib/aws-wafv2";
import { Construct } from "constructs";
import { PROBLEM_BASE, problemTypes } from "../functions/shared/problem.ts";
import { physicalName } from "./catalog/index.ts";
import { GATEWAY_SECURITY_HEADERS } from "./gateway-responses.ts";

export interface WafConstructProps {
  readonly stage: string;
  /** ARN of the API Gateway stage to protect. */
  readonly stageArn: string;
  /**
   * Requests per IP per 5 minutes, whole API: a flood guard set above the per-key usage-plan rate
   * (50 rps = 15 000 / 5 min) so a bulk sender on one IP is throttled by its plan, not by WAF.
   * @default 30000
   */
  readonly perIpLimit?: number;
  /**
   * Requests per IP per 5 minutes on credential endpoints (authPathPrefixes).
   * @default 100
   */
  readonly perIpAuthLimit?: number;
  /**
   * Path prefixes of the credential endpoints the per-IP auth limit counts.
   * @default ["/v1/auth/", "/v1/account/invitations/accept"]
   */
  readonly authPathPrefixes?: readonly string[];
  /**
   * Paths whose JSON body carries customers' free text (SMS texts): the core rule set's body rules
   * (XSS, LFI, RFI, SSRF patterns) would refuse legitimate texts such as `<a href=…>` or `../`, so
   * they only count there. Matched exactly.
   * @default ["/v1/messages"]
   */
  readonly freeTextBodyPaths?: readonly string[];
  /**
   * Path prefix of carrier delivery-report callbacks: carriers' minimal HTTP clients may send no
   * User-Agent and their bodies may quote message text, so neither the no-User-Agent rule nor the
   * body rules block there (the function checks the Standard Webhooks signature).
   * @default "/v1/carriers/"
   */
  readonly carrierCallbackPathPrefix?: string;
}

const RATE_LIMITED_BODY = "rate-limited";
/** Exported for tests: WAF custom responses may not set Content-Type, so the body is application/json. */
export const WAF_RETRY_AFTER_SECONDS = 60;

const CRS = "AWSManagedRulesCommonRuleSet";
const CRS_LABEL = "awswaf:managed:aws:core-rule-set:";
/** Core rule set rules that inspect the body → the label each adds (labels are set even in Count). */
export const CRS_BODY_RULES: Readonly<Record<string, string>> = {
  CrossSiteScripting_BODY: `${CRS_LABEL}CrossSiteScripting_Body`,
  GenericLFI_BODY: `${CRS_LABEL}GenericLFI_Body`,
  GenericRFI_BODY: `${CRS_LABEL}GenericRFI_Body`,
  EC2MetaDataSSRF_BODY: `${CRS_LABEL}EC2MetaDataSSRF_Body`,
};
export const CRS_NO_USER_AGENT = { rule: "NoUserAgent_HEADER", label: `${CRS_LABEL}NoUserAgent_Header` };
/** Counted everywhere: the API contract accepts 64 KB JSON bodies, the rule blocks above 8 KB. */
const CRS_ALWAYS_COUNTED = ["SizeRestrictions_BODY"];

type Statement = wafv2.CfnWebACL.StatementProperty;
type PathMatch = "STARTS_WITH" | "EXACTLY";

/**
 * WAF in front of the REST API. The method throttles on public login routes are shared by every
 * caller, so one client could exhaust them for everyone; per-IP rate rules stop that first. AWS
 * managed rule groups drop known-bad inputs and IPs with a bad reputation; core rule set rules that
 * misfire on SMS texts and carrier callbacks count there and block everywhere else (label rules).
 */
export class WafConstruct extends Construct {
  readonly webAcl: wafv2.CfnWebACL;

  constructor(scope: Construct, id: string, props: WafConstructProps) {
    super(scope, id);
    const metric = (name: string): wafv2.CfnWebACL.VisibilityConfigProperty => ({
      cloudWatchMetricsEnabled: true,
      sampledRequestsEnabled: true,
      metricName: `textgate-${props.stage}-${name}`,
    });
    const managed = (
      priority: number,
      name: string,
      counted: string[] = [],
    ): wafv2.CfnWebACL.RuleProperty => ({
      name,
      priority,
      overrideAction: { none: {} },
      statement: {
        managedRuleGroupStatement: {
          vendorName: "AWS",
          name,
          ...(counted.length > 0
            ? { ruleActionOverrides: counted.map((rule) => ({ name: rule, actionToUse: { count: {} } })) }
            : {}),
        },
      },
      visibilityConfig: metric(name),
    });
    const path = (constraint: PathMatch, paths: readonly string[]): Statement =>
      anyOf(paths.flatMap((p) => stagePathVariants(props.stage, p)).map((p) => uriPathIs(constraint, p)));
    const rateLimited: wafv2.CfnWebACL.BlockActionProperty = {
      customResponse: {
        responseCode: 429,
        customResponseBodyKey: RATE_LIMITED_BODY,
        // WAF forbids a Content-Type header here: the problem body goes out as application/json.
        responseHeaders: [
          { name: "Retry-After", value: String(WAF_RETRY_AFTER_SECONDS) },
          ...Object.entries(GATEWAY_SECURITY_HEADERS).map(([name, value]) => ({ name, value })),
        ],
      },
    };
    const { status, title } = problemTypes["rate-limited"];
    const freeTextPaths = path("EXACTLY", props.freeTextBodyPaths ?? ["/v1/messages"]);
    const carrierCallbacks = path("STARTS_WITH", [props.carrierCallbackPathPrefix ?? "/v1/carriers/"]);
    const authPaths = props.authPathPrefixes ?? ["/v1/auth/", "/v1/account/invitations/accept"];

    this.webAcl = new wafv2.CfnWebACL(this, "WebAcl", {
      name: physicalName(props.stage, "api-waf"),
      scope: "REGIONAL",
      defaultAction: { allow: {} },
      visibilityConfig: metric("api"),
      customResponseBodies: {
        [RATE_LIMITED_BODY]: {
          contentType: "APPLICATION_JSON",
          content: JSON.stringify({
            type: `${PROBLEM_BASE}rate-limited`,
            title,
            status,
            detail: "Too many requests from this address; retry later",
            retryAfter: WAF_RETRY_AFTER_SECONDS,
          }),
        },
      },
      rules: [
        {
          name: "per-ip-auth",
          priority: 0,
          action: { block: rateLimited },
          statement: {
            rateBasedStatement: {
              aggregateKeyType: "IP",
              limit: props.perIpAuthLimit ?? 100,
              scopeDownStatement: path("STARTS_WITH", authPaths),
            },
          },
          visibilityConfig: metric("per-ip-auth"),
        },
        {
          name: "per-ip",
          priority: 1,
          action: { block: rateLimited },
          statement: { rateBasedStatement: { aggregateKeyType: "IP", limit: props.perIpLimit ?? 30_000 } },
          visibilityConfig: metric("per-ip"),
        },
        managed(2, "AWSManagedRulesAmazonIpReputationList"),
        managed(3, "AWSManagedRulesKnownBadInputsRuleSet"),
        managed(4, CRS, [...CRS_ALWAYS_COUNTED, ...Object.keys(CRS_BODY_RULES), CRS_NO_USER_AGENT.rule]),
        // Labels exist only for rules evaluated after the rule group: these come after it.
        {
          name: "crs-body-except-free-text",
          priority: 5,
          action: { block: {} },
          statement: allOf([
            anyOf(Object.values(CRS_BODY_RULES).map(labelIs)),
            { notStatement: { statement: anyOf([freeTextPaths, carrierCallbacks]) } },
          ]),
          visibilityConfig: metric("crs-body-except-free-text"),
        },
        {
          name: "crs-no-user-agent-except-carrier-callbacks",
          priority: 6,
          action: { block: {} },
          statement: allOf([
            labelIs(CRS_NO_USER_AGENT.label),
            { notStatement: { statement: carrierCallbacks } },
          ]),
          visibilityConfig: metric("crs-no-user-agent-except-carrier-callbacks"),
        },
      ],
    });
    new wafv2.CfnWebACLAssociation(this, "StageAssociation", {
      resourceArn: props.stageArn,
      webAclArn: this.webAcl.attrArn,
    });
  }
}

/**
 * The paths one route arrives with: `/v1/…` through a custom domain (base path mapping without a
 * base path), `/<stage>/v1/…` through the execute-api URL, where WAF sees the stage in the URI path.
 */
export const stagePathVariants = (stage: string, path: string): string[] => [path, `/${stage}${path}`];

function uriPathIs(constraint: PathMatch, searchString: string): Statement {
  return {
    byteMatchStatement: {
      fieldToMatch: { uriPath: {} },
      positionalConstraint: constraint,
      searchString,
      // Percent-encoded paths (/v1/%61uth/…) match too: API Gateway routes them to the same method.
      textTransformations: [{ priority: 0, type: "URL_DECODE" }],
    },
  };
}

const labelIs = (key: string): Statement => ({ labelMatchStatement: { scope: "LABEL", key } });

/** WAF needs at least two statements in an and/or; one is used as is. */
function anyOf(statements: Statement[]): Statement {
  const [first] = statements;
  if (statements.length === 1 && first) return first;
  return { orStatement: { statements } };
}

function allOf(statements: Statement[]): Statement {
  const [first] = statements;
  if (statements.length === 1 && first) return first;
  return { andStatement: { statements } };
}
