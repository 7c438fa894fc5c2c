/**
 * Creates every table and queue of the catalogue in the emulators, and the env vars functions read
 * to find them. Idempotent: with --persist the tables already exist on the second start.
 */
import {
  type AttributeDefinition,
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  type GlobalSecondaryIndex,
  type Projection,
  ResourceInUseException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
} from "@aws-sdk/client-dynamodb";
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import {
  catalog,
  deadLetterRedriveCount,
  envNames,
  type IndexProjection,
  physicalName,
  type QueueSpec,
  type TableSpec,
} from "../lib/catalog/index.ts";

export interface LocalQueue {
  readonly spec: QueueSpec;
  readonly name: string;
  readonly url: string;
  readonly arn: string;
  readonly dlqUrl: string;
  readonly dlqArn: string;
  /** The DLQ's own dead-letter queue (spec.parkAfterReceives): never consumed, for an operator. */
  readonly parkedUrl?: string;
  readonly parkedArn?: string;
}

export interface LocalResources {
  /** table id → physical name */
  readonly tables: Readonly<Record<string, string>>;
  readonly queues: Readonly<Record<string, LocalQueue>>;
  /** TABLE_*, QUEUE_*_URL (and QUEUE_*_DLQ_URL, QUEUE_*_PARKED_URL), TEXTGATE_STAGE */
  readonly env: Readonly<Record<string, string>>;
}

const MAX_RETENTION_SECONDS = 14 * 24 * 3600;

const keySchema = (partitionKey: string, sortKey?: string) => [
  { AttributeName: partitionKey, KeyType: "HASH" as const },
  ...(sortKey ? [{ AttributeName: sortKey, KeyType: "RANGE" as const }] : []),
];

function attributeDefinitions(table: TableSpec): AttributeDefinition[] {
  const names = new Set<string>([table.partitionKey]);
  if (table.sortKey) names.add(table.sortKey);
  for (const index of table.indexes ?? []) {
    names.add(index.partitionKey);
    if (index.sortKey) names.add(index.sortKey);
  }
  // Every key in the catalogue is a string (prefixed ids, composite keys).
  return [...names].map((AttributeName) => ({ AttributeName, AttributeType: "S" as const }));
}

function indexes(table: TableSpec): GlobalSecondaryIndex[] {
  return (table.indexes ?? []).map((index) => ({
    IndexName: index.name,
    KeySchema: keySchema(index.partitionKey, index.sortKey),
    Projection: dynamoProjection(index.projection),
  }));
}

/** The catalogue's projection as DynamoDB's (the same mapping lib/data-construct.ts makes for CDK). */
function dynamoProjection(projection: IndexProjection): Projection {
  switch (projection.type) {
    case "keys":
      return { ProjectionType: "KEYS_ONLY" };
    case "include":
      return { ProjectionType: "INCLUDE", NonKeyAttributes: [...projection.attributes] };
    case "all":
      return { ProjectionType: "ALL" };
  }
}

/** Creates (or completes) one table: keys, GSIs, TTL. */
export async function ensureTable(client: DynamoDBClient, table: TableSpec, name: string): Promise<void> {
  const gsis = indexes(table);
  try {
    await client.send(
      new CreateTableCommand({
        TableName: name,
        BillingMode: "PAY_PER_REQUEST",
        KeySchema: keySchema(table.partitionKey, table.sortKey),
        AttributeDefinitions: attributeDefinitions(table),
        ...(gsis.length > 0 ? { GlobalSecondaryIndexes: gsis } : {}),
      }),
    );
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
    await reconcileIndexes(client, table, name, gsis);
  }
  if (table.ttlAttribute) await ensureTtl(client, name, table.ttlAttribute);
}

/**
 * A persisted table from an older catalogue may lack an index added since, or still have one the
 * catalogue renamed (a changed projection needs a new name): the stale one is dropped as
 * CloudFormation drops it on AWS, so it costs no index writes here either. One index per UpdateTable.
 */
async function reconcileIndexes(
  client: DynamoDBClient,
  table: TableSpec,
  name: string,
  gsis: GlobalSecondaryIndex[],
): Promise<void> {
  const described = await client.send(new DescribeTableCommand({ TableName: name }));
  const existing = new Set((described.Table?.GlobalSecondaryIndexes ?? []).map((gsi) => gsi.IndexName));
  const wanted = new Set(gsis.map((gsi) => gsi.IndexName));
  for (const stale of [...existing].filter((indexName) => indexName && !wanted.has(indexName))) {
    await client.send(
      new UpdateTableCommand({
        TableName: name,
        GlobalSecondaryIndexUpdates: [{ Delete: { IndexName: stale } }],
      }),
    );
    await indexesSettled(client, name);
  }
  for (const gsi of gsis.filter((g) => !existing.has(g.IndexName))) {
    await client.send(
      new UpdateTableCommand({
        TableName: name,
        AttributeDefinitions: attributeDefinitions(table),
        GlobalSecondaryIndexUpdates: [{ Create: gsi }],
      }),
    );
    await indexesSettled(client, name);
  }
}

const INDEX_SETTLE_POLLS = 600;
const INDEX_SETTLE_POLL_MS = 100;

/** DynamoDB (Local too) takes the next index change only once the last one is done. */
async function indexesSettled(client: DynamoDBClient, name: string): Promise<void> {
  for (let poll = 0; poll < INDEX_SETTLE_POLLS; poll++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
    const busy = (Table?.GlobalSecondaryIndexes ?? []).some((gsi) => gsi.IndexStatus !== "ACTIVE");
    if (Table?.TableStatus === "ACTIVE" && !busy) return;
    await new Promise((resolve) => setTimeout(resolve, INDEX_SETTLE_POLL_MS));
  }
  throw new Error(`local tables: indexes of ${name} still changing after ${INDEX_SETTLE_POLLS} polls`);
}

async function ensureTtl(client: DynamoDBClient, name: string, attribute: string): Promise<void> {
  const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: name }));
  const status = ttl.TimeToLiveDescription?.TimeToLiveStatus;
  if (status === "ENABLED" && ttl.TimeToLiveDescription?.AttributeName === attribute) return;
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: name,
      TimeToLiveSpecification: { AttributeName: attribute, Enabled: true },
    }),
  );
}

async function createQueue(client: SQSClient, name: string, attributes: Record<string, string>) {
  const created = await client.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  const url = created.QueueUrl;
  if (!url) throw new Error(`CreateQueue returned no URL for ${name}`);
  const attrs = await client.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["QueueArn"] }),
  );
  const arn = attrs.Attributes?.QueueArn;
  if (!arn) throw new Error(`no ARN for queue ${name}`);
  return { url, arn };
}

/** Creates one queue and its DLQ with the catalogue's visibility, retention and redrive. */
export async function ensureQueue(client: SQSClient, spec: QueueSpec, name: string): Promise<LocalQueue> {
  const parked =
    spec.deadLetterConsumer && spec.parkAfterReceives !== undefined
      ? await createQueue(client, `${name}-parked`, { MessageRetentionPeriod: String(MAX_RETENTION_SECONDS) })
      : undefined;
  const dlq = await createQueue(client, `${name}-dlq`, {
    MessageRetentionPeriod: String(MAX_RETENTION_SECONDS),
    // A consumed DLQ redelivers what its consumer could not settle after the work queue's timeout.
    ...(spec.deadLetterConsumer ? { VisibilityTimeout: String(spec.visibilityTimeoutSeconds) } : {}),
    // ...until parkAfterReceives: then SQS parks it where nothing consumes it (as on AWS).
    ...(parked
      ? {
          RedrivePolicy: JSON.stringify({
            deadLetterTargetArn: parked.arn,
            maxReceiveCount: deadLetterRedriveCount(spec),
          }),
        }
      : {}),
  });
  const main = await createQueue(client, name, {
    VisibilityTimeout: String(spec.visibilityTimeoutSeconds),
    MessageRetentionPeriod: String(Math.min(spec.retentionDays * 24 * 3600, MAX_RETENTION_SECONDS)),
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: spec.maxReceiveCount }),
  });
  return {
    spec,
    name,
    url: main.url,
    arn: main.arn,
    dlqUrl: dlq.url,
    dlqArn: dlq.arn,
    ...(parked ? { parkedUrl: parked.url, parkedArn: parked.arn } : {}),
  };
}

export interface CreateResourcesOptions {
  readonly stage: string;
  readonly tables?: readonly TableSpec[];
  readonly queues?: readonly QueueSpec[];
  /** Also copy the env into process.env (the local platform runs functions in-process). */
  readonly applyEnv?: boolean;
}

/** Creates the catalogue's tables and queues (or the given subset) and returns names, URLs and env. */
export async function createResources(options: CreateResourcesOptions): Promise<LocalResources> {
  const tablesSpec = options.tables ?? catalog.tables;
  const queuesSpec = options.queues ?? catalog.queues;
  const dynamo = new DynamoDBClient({});
  const sqs = new SQSClient({});
  try {
    const tables: Record<string, string> = {};
    const queues: Record<string, LocalQueue> = {};
    await Promise.all([
      ...tablesSpec.map(async (table) => {
        const name = physicalName(options.stage, table.id);
        await ensureTable(dynamo, table, name);
        tables[table.id] = name;
      }),
      ...queuesSpec.map(async (queue) => {
        queues[queue.id] = await ensureQueue(sqs, queue, physicalName(options.stage, queue.id));
      }),
    ]);
    const env: Record<string, string> = { [envNames.stage]: options.stage };
    for (const [id, name] of Object.entries(tables)) env[envNames.table(id)] = name;
    for (const [id, queue] of Object.entries(queues)) {
      env[envNames.queueUrl(id)] = queue.url;
      env[envNames.queueUrl(`${id}-dlq`)] = queue.dlqUrl;
      // Only functions granted operateDeadLetters on the queue see it (local/iam/function-env.ts).
      if (queue.parkedUrl) env[envNames.queueUrl(`${id}-parked`)] = queue.parkedUrl;
    }
    if (options.applyEnv) Object.assign(process.env, env);
    return { tables, queues, env };
  } finally {
    dynamo.destroy();
    sqs.destroy();
  }
}
