import type { Node } from "constructs";

/** How Lambda code is produced. `stub` exists only so infra tests skip esbuild; `cdk synth` always bundles. */
export type BundlingMode = "esbuild" | "stub";

/** Deployment settings read from CDK context (`-c key=value` or cdk.json). No lookups: synth works offline. */
export interface TextgateSettings {
  readonly stage: string;
  readonly region: string;
  /** DynamoDB global-table replica region (disaster recovery); unset = single region. */
  readonly replicaRegion?: string;
  /** Optional custom domain for the API; needs certificateArn (ACM, same region). */
  readonly domainName?: string;
  readonly certificateArn?: string;
  readonly bundling: BundlingMode;
  /** apiKeyRequired on authorized methods (usage-plan per-key throttle); context perKeyThrottle=false turns it off. */
  readonly perKeyThrottle: boolean;
  /** WAF web ACL in front of the API (per-IP rate rules + AWS managed rules); context waf=false removes it. */
  readonly waf: boolean;
  /**
   * The SMPP connector (context smppConnector=true): VPC with a NAT gateway on a fixed Elastic IP and
   * an ECS Fargate service. Off by default, so a stack without direct carrier binds pays no VPC/NAT.
   */
  readonly smppConnector?: {
    readonly desiredCount: number;
    /** JSON array of SMPP carrier entries (no secrets; context smppCarriers). */
    readonly carriers: string;
  };
}

const STAGE = /^[a-z][a-z0-9-]{1,15}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;

function optionalString(node: Node, key: string): string | undefined {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value !== "string") throw new Error(`context ${key} must be a string`);
  return value;
}

/** `-c key=false` arrives as a string, cdk.json may hold a real boolean. */
function optionalBoolean(node: Node, key: string): boolean | undefined {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined || value === null || value === "") return undefined;
  if (value === true || value === "true") return true;
  if (value === false || value === "false") return false;
  throw new Error(`context ${key} must be true or false`);
}

export function readSettings(node: Node): TextgateSettings {
  const stage = optionalString(node, "stage") ?? "prod";
  const region = optionalString(node, "region") ?? "eu-central-1";
  const replicaRegion = optionalString(node, "replicaRegion");
  const domainName = optionalString(node, "domainName");
  const certificateArn = optionalString(node, "certificateArn");
  const bundling = optionalString(node, "textgate:bundling") ?? "esbuild";
  if (!STAGE.test(stage)) throw new Error(`context stage "${stage}" must match ${STAGE}`);
  for (const [key, value] of [
    ["region", region],
    ["replicaRegion", replicaRegion],
  ] as const) {
    if (value !== undefined && !REGION.test(value))
      throw new Error(`context ${key} "${value}" is not a region`);
  }
  if (replicaRegion === region) throw new Error("context replicaRegion must differ from region");
  if ((domainName === undefined) !== (certificateArn === undefined)) {
    throw new Error("context domainName and certificateArn go together: set both or neither");
  }
  if (bundling !== "esbuild" && bundling !== "stub") {
    throw new Error(`context textgate:bundling must be "esbuild" or "stub", got "${bundling}"`);
  }
  const perKeyThrottle = optionalBoolean(node, "perKeyThrottle") ?? true;
  const waf = optionalBoolean(node, "waf") ?? true;
  const smppConnector = optionalBoolean(node, "smppConnector") ?? false;
  const desiredCount = Number(optionalString(node, "smppDesiredCount") ?? "1");
  if (!Number.isInteger(desiredCount) || desiredCount < 0 || desiredCount > 10) {
    throw new Error("context smppDesiredCount must be an integer 0..10");
  }
  return {
    stage,
    region,
    bundling,
    perKeyThrottle,
    waf,
    ...(replicaRegion ? { replicaRegion } : {}),
    ...(domainName && certificateArn ? { domainName, certificateArn } : {}),
    ...(smppConnector
      ? { smppConnector: { desiredCount, carriers: optionalString(node, "smppCarriers") ?? "[]" } }
      : {}),
  };
}
