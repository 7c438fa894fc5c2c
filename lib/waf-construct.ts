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
   */
  readonly perIpLimit?: number;
  /** Requests per IP per 5 minutes on credential endpoints (/v1/auth/, invitations). */
  readonly perIpAuthLimit?: number;
}

const RATE_LIMITED_BODY = "rate-limited";
/** Exported for tests: WAF custom responses may not set Content-Type, so the body is application/json. */
export const WAF_RETRY_AFTER_SECONDS = 60;

/**
 * WAF in front of the REST API. The method throttles on public login routes are shared by every
 * caller, so one client could exhaust them for everyone; per-IP rate rules stop that first. AWS
 * managed rule groups drop known-bad inputs and IPs with a bad reputation.
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
      excluded: string[] = [],
    ): wafv2.CfnWebACL.RuleProperty => ({
      name,
      priority,
      overrideAction: { none: {} },
      statement: {
        managedRuleGroupStatement: {
          vendorName: "AWS",
          name,
          // Count instead of block where the rule fights the API contract (64 KB JSON bodies).
          ...(excluded.length > 0
            ? { ruleActionOverrides: excluded.map((rule) => ({ name: rule, actionToUse: { count: {} } })) }
            : {}),
        },
      },
      visibilityConfig: metric(name),
    });
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
              scopeDownStatement: {
                orStatement: {
                  statements: ["/v1/auth/", "/v1/account/invitations/accept"].map((path) => ({
                    byteMatchStatement: {
                      fieldToMatch: { uriPath: {} },
                      positionalConstraint: "STARTS_WITH",
                      searchString: path,
                      textTransformations: [{ priority: 0, type: "NONE" }],
                    },
                  })),
                },
              },
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
        managed(4, "AWSManagedRulesCommonRuleSet", ["SizeRestrictions_BODY"]),
      ],
    });
    new wafv2.CfnWebACLAssociation(this, "StageAssociation", {
      resourceArn: props.stageArn,
      webAclArn: this.webAcl.attrArn,
    });
  }
}
