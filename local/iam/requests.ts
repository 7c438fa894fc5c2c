/**
 * What IAM authorises for one SDK call: (action, resource ARN) pairs, the way AWS evaluates them.
 * DynamoDB transactions are authorised per item by the item's own action (PutItem, UpdateItem,
 * DeleteItem, ConditionCheckItem, GetItem); batches by the batch action on every table they name;
 * a Query or Scan with IndexName on the index ARN. SQS *Batch calls by their single-message action.
 */

export interface AuthorizationRequest {
  /** e.g. dynamodb:PutItem, sqs:SendMessage, kms:Decrypt */
  readonly action: string;
  readonly resource: string;
}

export interface ArnScope {
  readonly region: string;
  readonly account: string;
}

export const tableArn = (scope: ArnScope, name: string): string =>
  name.startsWith("arn:") ? name : `arn:aws:dynamodb:${scope.region}:${scope.account}:table/${name}`;

export const queueArn = (scope: ArnScope, name: string): string =>
  `arn:aws:sqs:${scope.region}:${scope.account}:${name}`;

export const keyArn = (scope: ArnScope, keyIdOrAlias: string): string => {
  if (keyIdOrAlias.startsWith("arn:")) return keyIdOrAlias;
  const resource = keyIdOrAlias.startsWith("alias/") ? keyIdOrAlias : `key/${keyIdOrAlias}`;
  return `arn:aws:kms:${scope.region}:${scope.account}:${resource}`;
};

type Input = Readonly<Record<string, unknown>>;

const isRecord = (value: unknown): value is Input =>
  typeof value === "object" && value !== null && !Array.isArray(value);
const stringField = (input: Input | undefined, name: string): string | undefined => {
  const value = input?.[name];
  return typeof value === "string" ? value : undefined;
};

/** Document-client command names (GetCommand) and low-level ones (GetItemCommand) → IAM action. */
const DYNAMO_ACTIONS: Readonly<Record<string, string>> = {
  Get: "GetItem",
  Put: "PutItem",
  Update: "UpdateItem",
  Delete: "DeleteItem",
  BatchGet: "BatchGetItem",
  BatchWrite: "BatchWriteItem",
  TransactGet: "TransactGetItems",
  TransactWrite: "TransactWriteItems",
};

/** Transaction item kind → the IAM action that authorises it. */
const TRANSACT_ITEM_ACTIONS: Readonly<Record<string, string>> = {
  Put: "dynamodb:PutItem",
  Update: "dynamodb:UpdateItem",
  Delete: "dynamodb:DeleteItem",
  ConditionCheck: "dynamodb:ConditionCheckItem",
  Get: "dynamodb:GetItem",
};

function dynamoRequests(
  scope: ArnScope,
  operation: string,
  input: Input | undefined,
): AuthorizationRequest[] {
  const action = DYNAMO_ACTIONS[operation] ?? operation;
  if (action === "TransactGetItems" || action === "TransactWriteItems") {
    const items = Array.isArray(input?.TransactItems) ? input.TransactItems : [];
    return items.flatMap((item: unknown) =>
      Object.entries(isRecord(item) ? item : {}).flatMap(([kind, body]) => {
        const itemAction = TRANSACT_ITEM_ACTIONS[kind];
        const table = isRecord(body) ? stringField(body, "TableName") : undefined;
        return itemAction && table ? [{ action: itemAction, resource: tableArn(scope, table) }] : [];
      }),
    );
  }
  if (action === "BatchGetItem" || action === "BatchWriteItem") {
    const tables = isRecord(input?.RequestItems) ? Object.keys(input.RequestItems) : [];
    return tables.map((table) => ({ action: `dynamodb:${action}`, resource: tableArn(scope, table) }));
  }
  const table = stringField(input, "TableName");
  if (!table) return [{ action: `dynamodb:${action}`, resource: "*" }];
  const index = stringField(input, "IndexName");
  const resource = index ? `${tableArn(scope, table)}/index/${index}` : tableArn(scope, table);
  return [{ action: `dynamodb:${action}`, resource }];
}

function sqsRequests(scope: ArnScope, operation: string, input: Input | undefined): AuthorizationRequest[] {
  const action = `sqs:${operation.replace(/Batch$/, "")}`;
  const url = stringField(input, "QueueUrl");
  const name = url
    ? new URL(url).pathname.split("/").filter(Boolean).at(-1)
    : stringField(input, "QueueName");
  return [{ action, resource: name ? queueArn(scope, name) : "*" }];
}

function kmsRequests(scope: ArnScope, operation: string, input: Input | undefined): AuthorizationRequest[] {
  const key = stringField(input, "KeyId");
  return [{ action: `kms:${operation}`, resource: key ? keyArn(scope, key) : "*" }];
}

export const smsVoiceArn = (scope: ArnScope, path: string): string =>
  `arn:aws:sms-voice:${scope.region}:${scope.account}:${path}`;

/**
 * AWS End User Messaging SMS: SendTextMessage is authorised on the configuration set it names (and
 * on the origination identity, which the catalogue grant allows by kind, as on AWS without context).
 */
function smsVoiceRequests(
  scope: ArnScope,
  operation: string,
  input: Input | undefined,
): AuthorizationRequest[] {
  const action = `sms-voice:${operation}`;
  const configurationSet = stringField(input, "ConfigurationSetName");
  return [
    {
      action,
      resource: configurationSet ? smsVoiceArn(scope, `configuration-set/${configurationSet}`) : "*",
    },
  ];
}

/**
 * The requests behind `<service>.<Command>` (serviceId as the SDK names it: "DynamoDB", "SQS",
 * "KMS", ...). Services the catalogue has no grant for map to `<service>:<Operation>` on "*",
 * which no catalogue grant allows: refused, as AWS refuses a call no policy names.
 */
export function authorizationRequests(
  scope: ArnScope,
  serviceId: string,
  commandName: string,
  input: unknown,
): AuthorizationRequest[] {
  const operation = commandName.replace(/Command$/, "");
  const fields = isRecord(input) ? input : undefined;
  if (serviceId === "DynamoDB") return dynamoRequests(scope, operation, fields);
  if (serviceId === "SQS") return sqsRequests(scope, operation, fields);
  if (serviceId === "KMS") return kmsRequests(scope, operation, fields);
  if (serviceId === "Pinpoint SMS Voice V2") return smsVoiceRequests(scope, operation, fields);
  const prefix = serviceId.toLowerCase().replace(/[^a-z0-9-]/g, "");
  return [{ action: `${prefix}:${operation}`, resource: "*" }];
}
