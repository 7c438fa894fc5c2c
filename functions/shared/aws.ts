import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SQSClient } from "@aws-sdk/client-sqs";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

/**
 * AWS clients, created once per container. Locally the same code talks to the emulators: the local
 * platform sets AWS_ENDPOINT_URL_DYNAMODB / AWS_ENDPOINT_URL_SQS, which the SDK reads itself.
 */
let dynamo: DynamoDBDocumentClient | undefined;
let sqs: SQSClient | undefined;

export function dynamoClient(): DynamoDBDocumentClient {
  dynamo ??= DynamoDBDocumentClient.from(new DynamoDBClient({ maxAttempts: 4 }), {
    marshallOptions: { removeUndefinedValues: true },
  });
  return dynamo;
}

export function sqsClient(): SQSClient {
  sqs ??= new SQSClient({ maxAttempts: 4 });
  return sqs;
}

/** Lets tests and the local platform wrap clients (e.g. counting or fault-injecting middleware). */
export function setClientsForTesting(clients: { dynamo?: DynamoDBDocumentClient; sqs?: SQSClient }): void {
  if (clients.dynamo) dynamo = clients.dynamo;
  if (clients.sqs) sqs = clients.sqs;
}
