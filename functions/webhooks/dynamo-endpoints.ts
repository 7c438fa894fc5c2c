import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import { dynamoClient } from "../shared/aws.ts";
import { tableName } from "../shared/config.ts";
import type { FieldCipher } from "../shared/crypto.ts";
import { allPages, appliedUnlessConditionFails, isConditionalCheckFailure } from "../shared/dynamo.ts";
import type { EndpointChanges, EndpointStore, SigningSecret, WebhookEndpoint } from "./ports.ts";
import { webhookEventType } from "./schemas.ts";

/** Webhook endpoints in the webhooks table: pk=ACC#<account>, sk=WH#<id>; secrets sealed. */
const table = () => tableName("webhooks");
const endpointKey = (accountId: string, id: string) => ({ pk: `ACC#${accountId}`, sk: `WH#${id}` });
const secretsContext = (accountId: string, id: string) => ({
  accountId,
  webhookId: id,
  field: "webhook-secrets",
});

const storedEndpoint = z.object({
  id: z.string(),
  accountId: z.string(),
  url: z.string(),
  events: z.array(webhookEventType),
  description: z.string().optional(),
  enabled: z.boolean(),
  disabledReason: z.enum(["by-user", "gone", "failing"]).optional(),
  secretsCipher: z.string(),
  failingSince: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
const signingSecrets = z.array(z.object({ secret: z.string(), until: z.string().optional() })).min(1);

export function dynamoEndpointStore(cipher: FieldCipher): EndpointStore {
  const seal = (accountId: string, id: string, secrets: readonly SigningSecret[]) =>
    cipher.encrypt(JSON.stringify(secrets), secretsContext(accountId, id));

  const open = async (item: Record<string, unknown>): Promise<WebhookEndpoint> => {
    const stored = storedEndpoint.parse(item);
    const plain = await cipher.decrypt(stored.secretsCipher, secretsContext(stored.accountId, stored.id));
    const { secretsCipher: _sealed, ...rest } = stored;
    return { ...rest, secrets: signingSecrets.parse(JSON.parse(plain)) };
  };

  return {
    async create(endpoint) {
      const { secrets, ...fields } = endpoint;
      await dynamoClient().send(
        new PutCommand({
          TableName: table(),
          Item: {
            ...endpointKey(endpoint.accountId, endpoint.id),
            ...fields,
            secretsCipher: await seal(endpoint.accountId, endpoint.id, secrets),
          },
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      );
    },
    async get(accountId, id) {
      const { Item } = await dynamoClient().send(
        new GetCommand({ TableName: table(), Key: endpointKey(accountId, id), ConsistentRead: true }),
      );
      return Item ? open(Item) : undefined;
    },
    async list(accountId) {
      const items = await allPages((start) =>
        dynamoClient().send(
          new QueryCommand({
            TableName: table(),
            KeyConditionExpression: "pk = :pk AND begins_with(sk, :wh)",
            ExpressionAttributeValues: { ":pk": `ACC#${accountId}`, ":wh": "WH#" },
            ...(start ? { ExclusiveStartKey: start } : {}),
          }),
        ),
      );
      return Promise.all(items.map(open));
    },
    async update(accountId, id, changes: EndpointChanges) {
      const sets: string[] = ["updatedAt = :updatedAt"];
      const removes: string[] = [];
      const values: Record<string, unknown> = { ":updatedAt": changes.updatedAt };
      if (changes.url !== undefined) {
        sets.push("#url = :url");
        values[":url"] = changes.url;
      }
      if (changes.events !== undefined) {
        sets.push("events = :events");
        values[":events"] = changes.events;
      }
      if (changes.enabled !== undefined) {
        sets.push("enabled = :enabled");
        values[":enabled"] = changes.enabled;
        if (changes.enabled) removes.push("disabledReason", "failingSince");
        else {
          sets.push("disabledReason = :reason");
          values[":reason"] = changes.disabledReason ?? "by-user";
        }
      }
      if (changes.secrets !== undefined) {
        sets.push("secretsCipher = :secrets");
        values[":secrets"] = await seal(accountId, id, changes.secrets);
      }
      try {
        const { Attributes } = await dynamoClient().send(
          new UpdateCommand({
            TableName: table(),
            Key: endpointKey(accountId, id),
            UpdateExpression: `SET ${sets.join(", ")}${removes.length ? ` REMOVE ${removes.join(", ")}` : ""}`,
            ConditionExpression: "attribute_exists(pk)",
            // DynamoDB refuses names the expression does not use.
            ...(changes.url !== undefined ? { ExpressionAttributeNames: { "#url": "url" } } : {}),
            ExpressionAttributeValues: values,
            ReturnValues: "ALL_NEW",
          }),
        );
        return Attributes ? open(Attributes) : undefined;
      } catch (error) {
        if (isConditionalCheckFailure(error)) return undefined;
        throw error;
      }
    },
    delete(accountId, id) {
      return appliedUnlessConditionFails(
        dynamoClient().send(
          new DeleteCommand({
            TableName: table(),
            Key: endpointKey(accountId, id),
            ConditionExpression: "attribute_exists(pk)",
          }),
        ),
      );
    },
    async noteFailure(accountId, id, at) {
      const { Attributes } = await dynamoClient()
        .send(
          new UpdateCommand({
            TableName: table(),
            Key: endpointKey(accountId, id),
            UpdateExpression: "SET failingSince = if_not_exists(failingSince, :at)",
            ConditionExpression: "attribute_exists(pk)",
            ExpressionAttributeValues: { ":at": at },
            ReturnValues: "UPDATED_NEW",
          }),
        )
        .catch((error: unknown) => {
          if (isConditionalCheckFailure(error)) return { Attributes: undefined };
          throw error;
        });
      const since = Attributes?.failingSince;
      return typeof since === "string" ? since : at;
    },
    async noteSuccess(accountId, id) {
      await appliedUnlessConditionFails(
        dynamoClient().send(
          new UpdateCommand({
            TableName: table(),
            Key: endpointKey(accountId, id),
            UpdateExpression: "REMOVE failingSince",
            ConditionExpression: "attribute_exists(failingSince)",
          }),
        ),
      );
    },
    disable(accountId, id, reason, at) {
      return appliedUnlessConditionFails(
        dynamoClient().send(
          new UpdateCommand({
            TableName: table(),
            Key: endpointKey(accountId, id),
            UpdateExpression: "SET enabled = :false, disabledReason = :reason, updatedAt = :at",
            ConditionExpression: "enabled = :true",
            ExpressionAttributeValues: { ":false": false, ":true": true, ":reason": reason, ":at": at },
          }),
        ),
      );
    },
  };
}
