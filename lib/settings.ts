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
   * Set the region's API Gateway account CloudWatch role (AWS::ApiGateway::Account), which access
   * logging needs; context apiGatewayAccountRole=false for accounts that already have one (e.g. a
   * second stage in the same account and region: the setting is one per account and region).
   */
  readonly apiGatewayAccountRole: boolean;
  /** Email address subscribed to the alarm topic (context alarmEmail); unset = no subscription. */
  readonly alarmEmail?: string;
  /** Platform email (invitations) through SES; unset = invitations answer 503 until configured. */
  readonly mail?: MailSettings;
  /**
   * AWS End User Messaging SMS origination identity ARNs the dispatcher may send from (context
   * smsOriginationIdentities, comma-separated); unset = any identity of the account and region.
   */
  readonly smsOriginationIdentityArns?: readonly string[];
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

/**
 * Context mailSender (From address), mailIdentity (the verified SES identity it sends as: the
 * address itself or its domain; default the domain) and invitationUrl (the page that accepts
 * invitations; the email links to it with ?token=).
 */
export interface MailSettings {
  readonly sender: string;
  readonly identity: string;
  readonly invitationUrl: string;
}

function readMail(node: Node): MailSettings | undefined {
  const sender = optionalString(node, "mailSender");
  const identity = optionalString(node, "mailIdentity");
  const invitationUrl = optionalString(node, "invitationUrl");
  if (sender === undefined) {
    if (identity !== undefined || invitationUrl !== undefined) {
      throw new Error("context mailIdentity and invitationUrl need mailSender");
    }
    return undefined;
  }
  const domain = EMAIL.exec(sender)?.[1];
  if (!domain) throw new Error(`context mailSender "${sender}" is not an email address`);
  if (identity !== undefined && identity !== sender && identity !== domain) {
    throw new Error(`context mailIdentity must be mailSender or its domain (${domain})`);
  }
  if (invitationUrl === undefined || !/^https:\/\/[^\s]+$/.test(invitationUrl)) {
    throw new Error("context invitationUrl (https://…) is required with mailSender");
  }
  return { sender, identity: identity ?? domain, invitationUrl };
}

const SMS_IDENTITY_ARN =
  /^arn:aws[a-z-]*:sms-voice:[a-z0-9-]+:\d{12}:(phone-number|pool|sender-id)\/[A-Za-z0-9_/-]+$/;

const STAGE = /^[a-z][a-z0-9-]{1,15}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
/** One address, no display name: what an SNS email subscription endpoint accepts. */
/** An email address; group 1 is its domain. */
const EMAIL = /^[^\s@<>,;]+@([^\s@<>,;]+\.[^\s@<>,;]+)$/;

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
  const mail = readMail(node);
  const apiGatewayAccountRole = optionalBoolean(node, "apiGatewayAccountRole") ?? true;
  const alarmEmail = optionalString(node, "alarmEmail");
  if (alarmEmail !== undefined && !EMAIL.test(alarmEmail)) {
    throw new Error(`context alarmEmail "${alarmEmail}" is not an email address`);
  }
  const smsOriginationIdentityArns = optionalString(node, "smsOriginationIdentities")
    ?.split(",")
    .map((arn) => arn.trim())
    .filter((arn) => arn !== "");
  for (const arn of smsOriginationIdentityArns ?? []) {
    if (!SMS_IDENTITY_ARN.test(arn)) {
      throw new Error(
        `context smsOriginationIdentities: "${arn}" is not a phone-number, pool or sender-id ARN`,
      );
    }
  }
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
    apiGatewayAccountRole,
    ...(alarmEmail ? { alarmEmail } : {}),
    ...(replicaRegion ? { replicaRegion } : {}),
    ...(domainName && certificateArn ? { domainName, certificateArn } : {}),
    ...(mail ? { mail } : {}),
    ...(smsOriginationIdentityArns?.length ? { smsOriginationIdentityArns } : {}),
    ...(smppConnector
      ? { smppConnector: { desiredCount, carriers: optionalString(node, "smppCarriers") ?? "[]" } }
      : {}),
  };
}
