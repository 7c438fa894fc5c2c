import { execSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import {
  AssetHashType,
  type CfnElement,
  DockerImage,
  Duration,
  type ILocalBundling,
  Names,
  NestedStack,
  Stack,
} from "aws-cdk-lib";
import type * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as kms from "aws-cdk-lib/aws-kms";
import * as lambda from "aws-cdk-lib/aws-lambda";
import * as logs from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import { buildSync } from "esbuild";
import { docsAfterBundlingCommands } from "../functions/docs/assets.ts";
import { type Acknowledgment, acknowledge } from "./acknowledge.ts";
import { functionBuildOptions } from "./bundling.ts";
import { envNames, type FunctionSpec, physicalName, usagePlanName } from "./catalog/index.ts";
import { KEEP_UNLESS_CREATE_FAILED } from "./data-construct.ts";
import {
  apiGatewayArn,
  applyGrants,
  type GrantTargets,
  grantsUseKeyWildcards,
  SMS_IDENTITY_KINDS,
} from "./function-grants.ts";
import type { BundlingMode } from "./settings.ts";

export interface FunctionsConstructProps {
  readonly stage: string;
  readonly specs: readonly FunctionSpec[];
  readonly targets: GrantTargets;
  /** Encrypts the function log groups. */
  readonly logKey: kms.IKey;
  readonly logRetention: logs.RetentionDays;
  readonly bundling: BundlingMode;
  /** Repository root: entries, package-lock.json and tsconfig.json are resolved from here. */
  readonly projectRoot: string;
  /** Function ids an EventBridge schedule invokes (asynchronously); see SchedulesConstruct. */
  readonly scheduled?: ReadonlySet<string>;
}

/** Node 22 is the runtime the code is built and tested for (esbuild target below). */
export const RUNTIME = lambda.Runtime.NODEJS_22_X;

/** Used only with context textgate:bundling=stub (infra tests); `cdk synth` bundles for real. */
const STUB_CODE =
  "exports.handler = async () => { throw new Error('textgate: stub bundle, not deployable'); };";

/**
 * One Lambda function per catalogue entry: nodejs22.x on arm64, its own role (no managed policies),
 * its own KMS-encrypted log group with retention, X-Ray active, env only for what it is granted.
 */
export class FunctionsConstruct extends Construct {
  readonly functions: ReadonlyMap<string, lambda.Function>;
  /**
   * The functions' execution roles and their inline policies: about two resources per function,
   * a sixth of the parent's 500-resource limit. Roles and policies have generated names, so moving
   * them here (new role created, function switched over, old role deleted) never collides with the
   * old ones. Functions, log groups and event-source mappings stay in the parent: the functions and
   * log groups have fixed names (a moved one would be created while the old still exists: "already
   * exists"), and Lambda refuses a second SQS mapping for the same queue and function.
   */
  readonly roleStack: NestedStack;

  constructor(scope: Construct, id: string, props: FunctionsConstructProps) {
    super(scope, id);
    if (props.bundling === "esbuild") assertEntriesExist(props.projectRoot, props.specs);
    this.roleStack = new NestedStack(this, "Roles", {
      description: `Textgate ${props.stage}: execution roles and policies of the parent stack's functions`,
    });
    const functions = new Map<string, lambda.Function>();
    for (const spec of props.specs) functions.set(spec.id, this.createFunction(props, spec));
    this.functions = functions;
  }

  fn(id: string): lambda.Function {
    const found = this.functions.get(id);
    if (!found) throw new Error(`functions: unknown function "${id}"`);
    return found;
  }

  private createFunction(props: FunctionsConstructProps, spec: FunctionSpec): lambda.Function {
    const functionName = physicalName(props.stage, spec.id);
    const logGroup = new logs.LogGroup(this, `Logs-${spec.id}`, {
      logGroupName: `/aws/lambda/${functionName}`,
      retention: props.logRetention,
      encryptionKey: props.logKey,
      removalPolicy: KEEP_UNLESS_CREATE_FAILED,
    });
    const role = new iam.Role(this.roleStack, `Role-${spec.id}`, {
      assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com"),
      description: cfnDescription(`textgate ${props.stage} ${spec.id}: ${spec.purpose}`),
    });
    // Inline instead of AWSLambdaBasicExecutionRole: write to this function's log group only.
    logGroup.grantWrite(role);

    const environment: Record<string, string> = {
      [envNames.stage]: props.stage,
      POWERTOOLS_SERVICE_NAME: `textgate-${spec.id}`,
      POWERTOOLS_METRICS_NAMESPACE: "Textgate",
      ...(spec.environment ?? {}),
      ...applyGrants(role, spec.grants, {
        ...props.targets,
        usagePlanName: props.targets.usagePlanName ?? usagePlanName(props.stage),
      }),
    };
    const common = {
      functionName,
      description: cfnDescription(spec.purpose),
      runtime: RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: spec.memoryMb,
      timeout: Duration.seconds(spec.timeoutSeconds),
      role,
      logGroup,
      tracing: lambda.Tracing.ACTIVE,
      environment,
    } satisfies Partial<lambda.FunctionProps>;

    const fn = new lambda.Function(this, `Fn-${spec.id}`, {
      ...common,
      code:
        props.bundling === "stub" ? lambda.Code.fromInline(STUB_CODE) : functionCode(props.projectRoot, spec),
      handler: "index.handler",
    });
    fn.node.addDependency(logGroup);
    acknowledgeFunctionFindings(fn, role, spec, props.targets, props.scheduled?.has(spec.id) ?? false);
    return fn;
  }
}

/**
 * How cdk-nag names a table's ARN inside `role`'s template: `<logical id>.Arn` in the table's own
 * stack; in a nested stack (the role stack) the ARN arrives as the parameter CDK creates for the
 * reference, `referenceto<unique id of the table><attribute>`. The stale-acknowledgment check in
 * test/infra/cdk-nag.test.ts fails if CDK ever names these parameters otherwise.
 */
export function tableArnAsSeenBy(role: iam.IRole, table: dynamodb.ITableV2): string {
  const element = table.node.defaultChild as CfnElement;
  if (Stack.of(role) === Stack.of(table)) return `${Stack.of(table).resolve(element.logicalId)}.Arn`;
  return `referenceto${Names.nodeUniqueId(element.node)}Arn`;
}

/** IAM and Lambda descriptions accept Latin-1 only and 256 characters (catalogue prose may use →). */
function cfnDescription(text: string): string {
  return text
    .replaceAll("→", "->")
    .replace(/[^\t\n\r\x20-\x7E\xA1-\xFF]/g, "?")
    .slice(0, 256);
}

/** Fails before any bundling starts, naming every missing handler at once. */
function assertEntriesExist(projectRoot: string, specs: readonly FunctionSpec[]): void {
  const missing = specs.filter((spec) => !existsSync(join(projectRoot, spec.entry)));
  if (missing.length === 0) return;
  const list = missing.map((spec) => `  - ${spec.id}: ${spec.entry}`).join("\n");
  throw new Error(
    `functions: cannot bundle, the catalogue (lib/catalog) lists handlers that do not exist yet:\n${list}\n` +
      "Write the handler or remove the catalogue entry. (Infra tests stub code with -c textgate:bundling=stub.)",
  );
}

/**
 * The function's asset, bundled by esbuild on this machine with lib/bundling.ts's options (code
 * splitting: an output directory, which NodejsFunction's own bundling, a single --outfile, cannot
 * produce). The bundler object's fields (entry, function id) are part of CDK's asset cache key, so
 * each function gets its own asset.
 */
export function functionCode(projectRoot: string, spec: Pick<FunctionSpec, "id" | "entry">): lambda.Code {
  const local: ILocalBundling & { readonly entry: string; readonly functionId: string } = {
    entry: spec.entry,
    functionId: spec.id,
    tryBundle(outputDir: string): boolean {
      buildSync(functionBuildOptions(projectRoot, spec.entry, outputDir));
      // The docs function serves an OpenAPI document generated from every handler's schemas, which
      // are not in its own bundle: generate it (and copy the offline reference page script) beside it.
      if (spec.id === "docs") {
        for (const command of docsAfterBundlingCommands(projectRoot, outputDir)) {
          execSync(command, { stdio: ["ignore", "ignore", "inherit"] });
        }
      }
      return true;
    },
  };
  return lambda.Code.fromAsset(projectRoot, {
    assetHashType: AssetHashType.OUTPUT,
    // Never used: the local bundler above always bundles (or throws), so Docker is never started.
    bundling: { image: DockerImage.fromRegistry("textgate/local-bundling-only"), local },
  });
}

function acknowledgeFunctionFindings(
  fn: lambda.Function,
  role: iam.Role,
  spec: FunctionSpec,
  targets: GrantTargets,
  scheduled: boolean,
): void {
  acknowledge(fn, [
    {
      id: "Serverless-LambdaDLQ",
      reason: scheduled
        ? "Invoked asynchronously only by its fixed-rate EventBridge schedule: Lambda retries a failed run twice, and a run that still fails is superseded by the next tick, so a DLQ would only hold stale schedule events nobody replays. Failed runs raise the function's error alarm."
        : "Invoked synchronously (API Gateway proxy, REQUEST authorizer, CDK custom-resource provider) or by an SQS event-source mapping, never asynchronously: a function DLQ only catches async invocations. SQS failures land in the queue's own DLQ.",
    },
    {
      id: "AwsSolutions-L1",
      reason:
        "Pinned to nodejs22.x on purpose: the bundle targets node22 and the test suite runs on that major; moving to a newer runtime is its own tested change.",
    },
    {
      id: "Serverless-LambdaLatestVersion",
      reason:
        "Pinned to nodejs22.x on purpose: the bundle targets node22 and the test suite runs on that major; moving to a newer runtime is its own tested change.",
    },
  ]);
  const iam5: Acknowledgment[] = [
    {
      id: "AwsSolutions-IAM5[Resource::*]",
      reason:
        "X-Ray active tracing: xray:PutTraceSegments/PutTelemetryRecords support no resource-level permissions, so AWS requires Resource '*' for them (test/infra asserts '*' carries no other action).",
    },
  ];
  const indexed = Object.keys(spec.grants.tables ?? {}).filter((id) => targets.data.indexedTables.has(id));
  for (const tableId of indexed) {
    iam5.push({
      id: `AwsSolutions-IAM5[Resource::<${tableArnAsSeenBy(role, targets.data.table(tableId))}>/index/*]`,
      reason: `Queries on the GSIs of the granted table "${tableId}": index ARNs are <table ARN>/index/<name>, so this wildcard reaches only that table's indexes, with the same actions as the table grant.`,
    });
  }
  if (grantsUseKeyWildcards(spec.grants)) {
    const reason =
      "Writing to the CMK-encrypted tables / sending to the CMK-encrypted queues this function is granted needs the table key's GenerateDataKey*/ReEncrypt* (CDK grantWriteData/grantSendMessages); the statement is scoped to the one table-key ARN (tables and queues share it), never the field key.";
    iam5.push({ id: "AwsSolutions-IAM5[Action::kms:GenerateDataKey*]", reason });
    iam5.push({ id: "AwsSolutions-IAM5[Action::kms:ReEncrypt*]", reason });
  }
  if (spec.grants.usagePlan === "manage") {
    const reasons: Record<string, string> = {
      "/apikeys/*":
        "DeleteApiKey (DELETE /apikeys/{id}) when a customer revokes or rotates an API key: API Gateway key ids are random and only known after CreateApiKey, so there is no narrower resource ARN. No update (PATCH) or other verb on keys is allowed.",
    };
    for (const [path, reason] of Object.entries(reasons)) {
      iam5.push({ id: `AwsSolutions-IAM5[Resource::${apiGatewayArn(role, path)}]`, reason });
    }
  }
  if (spec.grants.smsVoice === "send") {
    // Only the kinds the grant really wildcards: all of them without configured identity ARNs.
    const kinds = targets.smsOriginationIdentityArns?.length ? ["opt-out-list"] : SMS_IDENTITY_KINDS;
    for (const kind of kinds) {
      iam5.push({
        // cdk-nag names the finding by the resolved ARN with pseudo parameters written as <AWS::…>.
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:sms-voice:<AWS::Region>:<AWS::AccountId>:${kind}/*]`,
        reason:
          kind === "opt-out-list"
            ? "SendTextMessage also authorises the opt-out list the sending identity uses (the account default unless configured); only SendTextMessage is allowed on it, in this account and region."
            : `SendTextMessage from any ${kind} of this account and region, and only through the stage's configuration set: identities are bought and registered outside the stack; deployers narrow this with -c smsOriginationIdentities=<ARNs>.`,
      });
    }
  }
  acknowledge(role, iam5);
}
