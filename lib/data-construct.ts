import { Aws, Duration, RemovalPolicy } from "aws-cdk-lib";
import * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as iam from "aws-cdk-lib/aws-iam";
import * as kms from "aws-cdk-lib/aws-kms";
import { Construct } from "constructs";
import {
  type AtRestUse,
  type IndexProjection,
  type KeySpec,
  physicalName,
  type TableSpec,
} from "./catalog/index.ts";

const AT_REST_USES: readonly AtRestUse[] = ["tables", "queues", "logs", "alarms"];

/** The one symmetric catalogue key for an at-rest use; the catalogue must name exactly one. */
export function atRestKeySpec(keys: readonly KeySpec[], use: AtRestUse): KeySpec {
  const found = keys.filter((spec) => spec.encryptsAtRest?.includes(use));
  const [spec] = found;
  if (found.length !== 1 || !spec) {
    throw new Error(`catalog: exactly one key must encrypt ${use} at rest, found ${found.length}`);
  }
  if (spec.usage !== "ENCRYPT_DECRYPT") throw new Error(`catalog: key ${spec.id} cannot encrypt`);
  return spec;
}

export interface DataConstructProps {
  readonly stage: string;
  readonly keys: readonly KeySpec[];
  readonly tables: readonly TableSpec[];
  /** Adds a global-table replica there, encrypted with the key behind the same alias in that region. */
  readonly replicaRegion?: string;
}

/**
 * Removal policy of everything with a fixed name that holds data (tables, keys, log groups): kept on
 * stack deletion and replacement, but deleted when the stack's first deploy rolls back. Plain RETAIN
 * would leave empty named resources behind after a failed first deploy, and every retry would then
 * fail with "already exists".
 */
export const KEEP_UNLESS_CREATE_FAILED = RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE;

/** Aliases carry the stage so several stages can share one account: alias/textgate/data/prod. */
export const stageAlias = (stage: string, spec: KeySpec): string => `${spec.alias}/${stage}`;

/** Alias ARN of the at-rest key in another region (created there by ReplicaKeyStack). */
export const replicaKeyAliasArn = (region: string, alias: string): string =>
  `arn:${Aws.PARTITION}:kms:${region}:${Aws.ACCOUNT_ID}:${alias}`;

/**
 * KMS keys and DynamoDB tables from the catalogue. Tables are on-demand, PITR on, deletion-protected,
 * encrypted with the customer-managed table key and TTL on the catalogue's ttlAttribute.
 */
export class DataConstruct extends Construct {
  readonly keys: ReadonlyMap<string, kms.Key>;
  readonly tables: ReadonlyMap<string, dynamodb.TableV2>;
  /** Tables with GSIs: their grants also cover <table ARN>/index/*. */
  readonly indexedTables: ReadonlySet<string>;
  /** The catalogue key for each at-rest use (tables, queues, logs, alarms). */
  private readonly atRestKeys: ReadonlyMap<AtRestUse, kms.Key>;
  /** Stage alias of the table key: table replicas use the key behind the same alias there. */
  readonly tableKeyAlias: string;

  constructor(scope: Construct, id: string, props: DataConstructProps) {
    super(scope, id);
    const keys = new Map<string, kms.Key>();
    for (const spec of props.keys) keys.set(spec.id, this.createKey(props.stage, spec));
    this.keys = keys;

    const atRestKeys = new Map<AtRestUse, kms.Key>();
    for (const use of AT_REST_USES)
      atRestKeys.set(use, keys.get(atRestKeySpec(props.keys, use).id) as kms.Key);
    this.atRestKeys = atRestKeys;
    this.tableKeyAlias = stageAlias(props.stage, atRestKeySpec(props.keys, "tables"));
    allowLogsService(this.atRest("logs"));

    const tables = new Map<string, dynamodb.TableV2>();
    for (const spec of props.tables) tables.set(spec.id, this.createTable(props, spec));
    this.tables = tables;
    this.indexedTables = new Set(
      props.tables.filter((spec) => (spec.indexes ?? []).length > 0).map((spec) => spec.id),
    );
  }

  /** The key AWS encrypts this kind of resource with (catalogue KeySpec.encryptsAtRest). */
  atRest(use: AtRestUse): kms.Key {
    const key = this.atRestKeys.get(use);
    if (!key) throw new Error(`data: no key encrypts ${use}`);
    return key;
  }

  key(id: string): kms.Key {
    const key = this.keys.get(id);
    if (!key) throw new Error(`data: unknown key "${id}"`);
    return key;
  }

  table(id: string): dynamodb.TableV2 {
    const table = this.tables.get(id);
    if (!table) throw new Error(`data: unknown table "${id}"`);
    return table;
  }

  private createKey(stage: string, spec: KeySpec): kms.Key {
    const symmetric = spec.keySpec === "SYMMETRIC_DEFAULT";
    return new kms.Key(this, `Key-${spec.id}`, {
      description: `textgate ${stage}: ${spec.purpose}`,
      alias: stageAlias(stage, spec),
      keySpec: symmetric ? kms.KeySpec.SYMMETRIC_DEFAULT : kms.KeySpec.ECC_NIST_P256,
      keyUsage: spec.usage === "SIGN_VERIFY" ? kms.KeyUsage.SIGN_VERIFY : kms.KeyUsage.ENCRYPT_DECRYPT,
      // KMS rotates only symmetric keys; the signing key is rotated by replacing it (new kid).
      enableKeyRotation: symmetric,
      pendingWindow: Duration.days(30),
      removalPolicy: KEEP_UNLESS_CREATE_FAILED,
    });
  }

  private createTable(props: DataConstructProps, spec: TableSpec): dynamodb.TableV2 {
    const str = (name: string): dynamodb.Attribute => ({ name, type: dynamodb.AttributeType.STRING });
    const replicaKeys = props.replicaRegion
      ? { [props.replicaRegion]: replicaKeyAliasArn(props.replicaRegion, this.tableKeyAlias) }
      : undefined;
    return new dynamodb.TableV2(this, `Table-${spec.id}`, {
      tableName: physicalName(props.stage, spec.id),
      partitionKey: str(spec.partitionKey),
      ...(spec.sortKey ? { sortKey: str(spec.sortKey) } : {}),
      billing: dynamodb.Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // Deletion protection is switched on by TableProtectionConstruct as the deploy's last step: set
      // here, it would also refuse the rollback of a failed first deploy, and block every retry.
      ...(spec.ttlAttribute ? { timeToLiveAttribute: spec.ttlAttribute } : {}),
      encryption: dynamodb.TableEncryptionV2.customerManagedKey(this.atRest("tables"), replicaKeys),
      globalSecondaryIndexes: (spec.indexes ?? []).map((index) => ({
        indexName: index.name,
        partitionKey: str(index.partitionKey),
        ...(index.sortKey ? { sortKey: str(index.sortKey) } : {}),
        ...cdkProjection(index.projection),
      })),
      replicas: props.replicaRegion ? [{ region: props.replicaRegion }] : [],
      removalPolicy: KEEP_UNLESS_CREATE_FAILED,
    });
  }
}

/** The catalogue's projection (lib/catalog/types.ts IndexProjection) as TableV2 index props. */
function cdkProjection(
  projection: IndexProjection,
): Pick<dynamodb.GlobalSecondaryIndexPropsV2, "projectionType" | "nonKeyAttributes"> {
  switch (projection.type) {
    case "keys":
      return { projectionType: dynamodb.ProjectionType.KEYS_ONLY };
    case "include":
      return {
        projectionType: dynamodb.ProjectionType.INCLUDE,
        nonKeyAttributes: [...projection.attributes],
      };
    case "all":
      return { projectionType: dynamodb.ProjectionType.ALL };
  }
}

/** CloudWatch Logs encrypts log groups with the logs key; scoped to this account's log groups. */
function allowLogsService(key: kms.Key): void {
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: "AllowCloudWatchLogs",
      principals: [new iam.ServicePrincipal(`logs.${Aws.REGION}.amazonaws.com`)],
      actions: [
        "kms:Encrypt",
        "kms:Decrypt",
        "kms:ReEncryptFrom",
        "kms:ReEncryptTo",
        "kms:GenerateDataKey",
        "kms:DescribeKey",
      ],
      resources: ["*"],
      conditions: {
        ArnLike: {
          "kms:EncryptionContext:aws:logs:arn": `arn:${Aws.PARTITION}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}:log-group:*`,
        },
      },
    }),
  );
}
