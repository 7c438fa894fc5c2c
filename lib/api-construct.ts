import { type CfnElement, Duration, RemovalPolicy, Stack, Token } from "aws-cdk-lib";
import * as apigw from "aws-cdk-lib/aws-apigateway";
import * as acm from "aws-cdk-lib/aws-certificatemanager";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as kms from "aws-cdk-lib/aws-kms";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import * as logs from "aws-cdk-lib/aws-logs";
import { Construct, type IConstruct } from "constructs";
import { acknowledge } from "./acknowledge.ts";
import { authorizerIdentity, physicalName, type RouteSpec, usagePlanName } from "./catalog/index.ts";
import { KEEP_UNLESS_CREATE_FAILED } from "./data-construct.ts";
import { apiGatewayArn } from "./function-grants.ts";
import { addProblemResponses } from "./gateway-responses.ts";
import { allowInvokeFromStage, StageInvokedLambdaIntegration } from "./stage-invoke-integration.ts";

export interface Throttle {
  readonly rateLimit: number;
  readonly burstLimit: number;
}

export interface ApiConstructProps {
  readonly stage: string;
  readonly routes: readonly RouteSpec[];
  readonly functionById: (id: string) => lambda.IFunction;
  /** Catalogue id of the REQUEST authorizer function. */
  readonly authorizerFunction: string;
  readonly logKey: kms.IKey;
  readonly logRetention: logs.RetentionDays;
  /** Whole-stage ceiling (all callers together). */
  readonly stageThrottle: Throttle;
  /** Per API key (usage plan), i.e. per customer key the authorizer maps the caller to. */
  readonly perKeyThrottle: Throttle;
  /**
   * Require a usage-plan key on authorized methods (API key source AUTHORIZER). On AWS the
   * authorizer's usageIdentifierKey must then be the value of an API Gateway API key in the usage
   * plan, or the call is refused with 403. Functions with the catalogue grant usagePlan "manage"
   * register those values (API key ids at key creation, account ids at account creation; see
   * functions/auth/usage-plan-keys.ts).
   */
  readonly enforcePerKeyThrottle: boolean;
  readonly customDomain?: { readonly domainName: string; readonly certificateArn: string };
  /** The stage sits behind a WAF web ACL (WafConstruct); otherwise that is acknowledged for cdk-nag. */
  readonly wafProtected: boolean;
  /**
   * Create the region's API Gateway account CloudWatch role (AWS::ApiGateway::Account). Access
   * logging is refused on a stage until the account has one, so a fresh account cannot deploy
   * without it. Turn it off where the account already has a role (one per account and region).
   * @default true
   */
  readonly accountCloudWatchRole?: boolean;
  /**
   * Where the functions' invoke permissions and the usage-plan key policies go: resources nothing
   * else refers to, so the stack's leaf nested stack (TextgateStack.permissions) can hold them.
   * @default this construct
   */
  readonly permissionScope?: Construct;
}

/** TLS 1.3 + 1.2 (no 1.0/1.1) with forward secrecy; enhanced policies need an endpoint access mode. */
export const API_SECURITY_POLICY = "SecurityPolicy_TLS13_1_2_PFS_PQ_2025_09";
export const AUTHORIZER_CACHE_TTL = Duration.seconds(authorizerIdentity.cacheTtlSeconds);

/** "/v1/messages/{id}" → ["id"] */
const pathParameters = (path: string): string[] =>
  [...path.matchAll(/\{([^}+]+)\+?\}/g)].map((match) => match[1] ?? "").filter((name) => name !== "");

/**
 * The public REST API: routes from the catalogue, REQUEST authorizer (cached 30 s), stage + method +
 * per-key throttling, JSON access logs to a KMS-encrypted group, X-Ray, TLS 1.2+, problem+json errors.
 */
export class ApiConstruct extends Construct {
  readonly api: apigw.RestApi;
  readonly usagePlan: apigw.UsagePlan;
  private readonly permissionScope: Construct;
  readonly accessLogs: logs.LogGroup;
  /**
   * execute-api:Invoke on exactly the catalogue's "iam" routes (the operator API): attach it to the
   * IAM users or roles of the operator's staff; the stack outputs its ARN.
   */
  readonly operatorPolicy: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: ApiConstructProps) {
    super(scope, id);
    this.permissionScope = props.permissionScope ?? this;
    const deployed = props.routes.filter((route) => !route.localOnly);
    const accountCloudWatchRole = props.accountCloudWatchRole ?? true;
    this.accessLogs = new logs.LogGroup(this, "AccessLogs", {
      logGroupName: `/textgate/${props.stage}/api-access`,
      retention: props.logRetention,
      encryptionKey: props.logKey,
      removalPolicy: KEEP_UNLESS_CREATE_FAILED,
    });

    const methodOptions: Record<string, apigw.MethodDeploymentOptions> = {};
    for (const route of deployed) {
      if (!route.throttle) continue;
      methodOptions[`${route.path}/${route.method}`] = {
        throttlingRateLimit: route.throttle.rateLimit,
        throttlingBurstLimit: route.throttle.burstLimit,
      };
    }

    this.api = new apigw.RestApi(this, "Api", {
      restApiName: physicalName(props.stage, "api"),
      description: `Textgate public API (${props.stage})`,
      endpointConfiguration: { types: [apigw.EndpointType.REGIONAL] },
      // Customers' keys are resolved by the Lambda authorizer (usageIdentifierKey), not an x-api-key header.
      apiKeySourceType: apigw.ApiKeySourceType.AUTHORIZER,
      cloudWatchRole: accountCloudWatchRole,
      // Kept with the stack gone: other APIs in the account and region log through the same role.
      ...(accountCloudWatchRole ? { cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN } : {}),
      disableExecuteApiEndpoint: props.customDomain !== undefined,
      deployOptions: {
        stageName: props.stage,
        tracingEnabled: true,
        throttlingRateLimit: props.stageThrottle.rateLimit,
        throttlingBurstLimit: props.stageThrottle.burstLimit,
        methodOptions,
        accessLogDestination: new apigw.LogGroupLogDestination(this.accessLogs),
        accessLogFormat: accessLogFormat(),
      },
    });
    const cfnApi = this.api.node.defaultChild as apigw.CfnRestApi;
    cfnApi.securityPolicy = API_SECURITY_POLICY;
    cfnApi.endpointAccessMode = "STRICT";

    const authorizer = new apigw.RequestAuthorizer(this, "Authorizer", {
      authorizerName: physicalName(props.stage, "authorizer"),
      handler: props.functionById(props.authorizerFunction),
      identitySources: [
        apigw.IdentitySource.header(authorizerIdentity.header),
        ...(authorizerIdentity.includeSourceIp ? [apigw.IdentitySource.context("identity.sourceIp")] : []),
      ],
      resultsCacheTtl: AUTHORIZER_CACHE_TTL,
    });
    const validator = new apigw.RequestValidator(this, "ParamsValidator", {
      restApi: this.api,
      requestValidatorName: "path-and-headers",
      // Bodies are validated by zod in the function (one error format); API Gateway checks params.
      validateRequestParameters: true,
      validateRequestBody: false,
    });

    for (const route of deployed) this.addRoute(route, props, authorizer, validator);
    for (const fnId of new Set(deployed.map((route) => route.function))) {
      allowInvokeFromStage(
        this.permissionScope,
        `Invoke-${fnId}`,
        props.functionById(fnId),
        this.api,
        props.stage,
      );
    }
    this.operatorPolicy = this.createOperatorPolicy(
      props.stage,
      deployed.filter((route) => route.auth === "iam"),
    );

    this.usagePlan = this.api.addUsagePlan("UsagePlan", {
      // Functions with the usagePlan grant find the plan by this name (they cannot reference its id).
      name: usagePlanName(props.stage),
      description: "Per-customer-key throttle; the authorizer returns the caller's usageIdentifierKey",
      throttle: props.perKeyThrottle,
      apiStages: [{ api: this.api, stage: this.api.deploymentStage }],
    });
    addProblemResponses(this.api);
    if (props.customDomain) this.addCustomDomain(props.customDomain);
    this.acknowledgeFindings(props.wafProtected);
    if (accountCloudWatchRole) this.acknowledgeAccountRole();
  }

  /**
   * CreateUsagePlanKey on this stage's usage plan only. A policy of its own, not the role's default
   * policy: the function waits for its default policy, and the function sits behind this API (API →
   * method → function), so a plan reference there would be a dependency cycle. Nothing waits for
   * this one; it is in place before the stage takes traffic in the same deploy.
   */
  allowAddingKeysToUsagePlan(id: string, role: iam.IRole): iam.Policy {
    return new iam.Policy(this.permissionScope, `UsagePlanKeys-${id}`, {
      roles: [role],
      statements: [
        new iam.PolicyStatement({
          actions: ["apigateway:POST"],
          resources: [apiGatewayArn(this, `/usageplans/${this.usagePlan.usagePlanId}/keys`)],
        }),
      ],
    });
  }

  private acknowledgeAccountRole(): void {
    const role = this.api.node.tryFindChild("CloudWatchRole");
    if (!role) throw new Error("api: the account CloudWatch role was not created");
    acknowledge(role, [
      {
        id: "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]",
        reason:
          "The role API Gateway itself assumes (account setting, not a function role) to write access logs; AWS documents this managed service-role policy for it and keeps it current with the log actions API Gateway needs.",
      },
    ]);
  }

  private createOperatorPolicy(stage: string, routes: readonly RouteSpec[]): iam.ManagedPolicy {
    const policy = new iam.ManagedPolicy(this, "OperatorPolicy", {
      managedPolicyName: physicalName(stage, "operator"),
      description: `Textgate ${stage}: call the operator API (/v1/admin, AWS IAM signed) with the textgate CLI`,
      statements: [
        new iam.PolicyStatement({
          actions: ["execute-api:Invoke"],
          // One ARN per route; a {param} segment is "*" (execute-api ARNs match the literal path).
          resources: routes.map((route) =>
            this.api.arnForExecuteApi(
              route.method,
              route.path.replace(/\{[^}]+\}/g, "*"),
              this.api.deploymentStage.stageName,
            ),
          ),
        }),
      ],
    });
    // cdk-nag names each wildcard resource as it renders the ARN: pseudo parameters and logical ids
    // in <>, so every acknowledgment covers exactly one route's ARN.
    const stack = Stack.of(this);
    const logicalIdOf = (element: IConstruct) =>
      stack.resolve((element.node.defaultChild as CfnElement).logicalId) as string;
    const region = Token.isUnresolved(stack.region) ? "<AWS::Region>" : stack.region;
    const account = Token.isUnresolved(stack.account) ? "<AWS::AccountId>" : stack.account;
    const base = `arn:<AWS::Partition>:execute-api:${region}:${account}:<${logicalIdOf(this.api)}>/<${logicalIdOf(this.api.deploymentStage)}>`;
    acknowledge(
      policy,
      routes
        .filter((route) => route.path.includes("{"))
        .map((route) => ({
          id: `AwsSolutions-IAM5[Resource::${base}/${route.method}${route.path.replace(/\{[^}]+\}/g, "*")}]`,
          reason:
            "execute-api:Invoke on one operator route (each listed from the catalogue); the '*' is its path parameter (an account or user id): operators act on any account by design.",
        })),
    );
    return policy;
  }

  private addRoute(
    route: RouteSpec,
    props: ApiConstructProps,
    authorizer: apigw.IAuthorizer,
    validator: apigw.IRequestValidator,
  ): void {
    const resource = this.api.root.resourceForPath(route.path);
    const authorized = route.auth === "authorized";
    const iamAuthorised = route.auth === "iam";
    if (authorized && !route.permission) {
      throw new Error(`catalog: authorized route ${route.method} ${route.path} needs a permission`);
    }
    const params = pathParameters(route.path);
    const requestParameters: Record<string, boolean> = {};
    for (const name of params) requestParameters[`method.request.path.${name}`] = true;
    if (authorized) requestParameters["method.request.header.Authorization"] = true;
    const method = resource.addMethod(
      route.method,
      new StageInvokedLambdaIntegration(props.functionById(route.function)),
      {
        operationName: route.summary,
        ...(authorized
          ? {
              authorizer,
              authorizationType: apigw.AuthorizationType.CUSTOM,
              apiKeyRequired: props.enforcePerKeyThrottle,
            }
          : {
              authorizationType: iamAuthorised ? apigw.AuthorizationType.IAM : apigw.AuthorizationType.NONE,
            }),
        ...(Object.keys(requestParameters).length > 0
          ? { requestParameters, requestValidator: validator }
          : {}),
      },
    );
    if (iamAuthorised) {
      acknowledge(method, [
        {
          id: "AwsSolutions-COG4",
          reason:
            "Operator route authorised with AWS IAM (SigV4): only principals holding the stack's operator policy may call it; operators are IAM principals, not Cognito users.",
        },
      ]);
    } else if (!authorized) {
      acknowledge(method, [
        {
          id: "AwsSolutions-APIG4",
          reason: `Public by design in the catalogue (${route.method} ${route.path}: ${route.summary}). Public routes are how a caller gets credentials (login, MFA, refresh, invitation), signed carrier callbacks (signature checked in the function) or public documents/probes; they carry method throttles where catalogued.`,
        },
        {
          id: "AwsSolutions-COG4",
          reason: "Public route: no authorizer of any kind (see the APIG4 acknowledgment).",
        },
      ]);
    } else {
      acknowledge(method, [
        {
          id: "AwsSolutions-COG4",
          reason:
            "Authorized by the Lambda REQUEST authorizer (API keys by hash lookup, ES256 access tokens from Textgate's own identity service); Textgate does not use Cognito user pools.",
        },
      ]);
    }
  }

  private addCustomDomain(domain: { domainName: string; certificateArn: string }): void {
    const name = new apigw.DomainName(this, "Domain", {
      domainName: domain.domainName,
      certificate: acm.Certificate.fromCertificateArn(this, "Certificate", domain.certificateArn),
      endpointType: apigw.EndpointType.REGIONAL,
      securityPolicy: API_SECURITY_POLICY as apigw.SecurityPolicy,
      endpointAccessMode: apigw.EndpointAccessMode.STRICT,
    });
    name.addBasePathMapping(this.api, { stage: this.api.deploymentStage });
  }

  private acknowledgeFindings(wafProtected: boolean): void {
    acknowledge(this.api, [
      {
        id: "AwsSolutions-APIG2",
        reason:
          "API Gateway validates path parameters and the Authorization header (validator 'path-and-headers'); bodies are validated by the function's zod schema so every client gets the same problem+json with errors[] field paths, which API Gateway body models cannot produce.",
      },
    ]);
    acknowledge(this.api.deploymentStage, [
      {
        id: "AwsSolutions-APIG6",
        reason:
          "Every request is logged by the JSON access log (encrypted, with retention). Execution logging writes to an API Gateway-managed group (unencrypted, no retention set here) that can hold request data such as phone numbers; left off on purpose.",
      },
    ]);
    if (!wafProtected) {
      acknowledge(this.api.deploymentStage, [
        {
          id: "AwsSolutions-APIG3",
          reason:
            "WAF switched off for this deployment with context waf=false (e.g. a short-lived dev stage); stage, method and per-key throttles and the authorizer still apply.",
        },
      ]);
    }
  }
}

/**
 * JSON access log: who, what, how long, which error; never headers or bodies (tokens, phone numbers).
 * Exported for the cost model (bench/cost-inputs.ts prices one line per request).
 */
export function accessLogFormat(): apigw.AccessLogFormat {
  return apigw.AccessLogFormat.custom(
    JSON.stringify({
      requestId: apigw.AccessLogField.contextRequestId(),
      extendedRequestId: apigw.AccessLogField.contextExtendedRequestId(),
      requestTime: apigw.AccessLogField.contextRequestTime(),
      ip: apigw.AccessLogField.contextIdentitySourceIp(),
      method: apigw.AccessLogField.contextHttpMethod(),
      resource: apigw.AccessLogField.contextResourcePath(),
      status: apigw.AccessLogField.contextStatus(),
      responseLength: apigw.AccessLogField.contextResponseLength(),
      latencyMs: apigw.AccessLogField.contextResponseLatency(),
      integrationLatencyMs: apigw.AccessLogField.contextIntegrationLatency(),
      errorType: apigw.AccessLogField.contextErrorResponseType(),
      error: apigw.AccessLogField.contextErrorMessage(),
      accountId: apigw.AccessLogField.contextAuthorizer("accountId"),
      principalId: apigw.AccessLogField.contextAuthorizerPrincipalId(),
      authorizerError: "$context.authorizer.error",
      authorizerLatencyMs: "$context.authorizer.integrationLatency",
      tlsVersion: "$context.tlsVersion",
      xrayTraceId: apigw.AccessLogField.contextXrayTraceId(),
    }),
  );
}
