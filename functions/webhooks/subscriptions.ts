import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import { dynamoClient } from "../shared/aws.ts";
import { tableName } from "../shared/config.ts";
import { allPages } from "../shared/dynamo.ts";
import { logger } from "../shared/logger.ts";
import type { WebhookEventType } from "./schemas.ts";

/**
 * Whether an account has an endpoint that would receive an event type: the sender's fan-out rule
 * (functions/webhooks/delivery.ts: enabled and subscribed). A status write asks this before it
 * records an event in the outbox: with no receiver, no pending mark, no enqueue and no clear write.
 *
 * Read with ConsistentRead and without a cache: an endpoint created before the status write is
 * seen by it. An endpoint created while the write is under way may miss that one event, exactly
 * like an endpoint created just after the sender's fan-out read today. Projection of two fields:
 * no signing secret is read, so no KMS call.
 */
export interface EventSubscriptions {
  wants(accountId: string, type: WebhookEventType): Promise<boolean>;
}

const storedSubscription = z.object({ enabled: z.boolean(), events: z.array(z.string()) });

export function dynamoEventSubscriptions(): EventSubscriptions {
  return {
    async wants(accountId, type) {
      try {
        const items = await allPages((start) =>
          dynamoClient().send(
            new QueryCommand({
              TableName: tableName("webhooks"),
              KeyConditionExpression: "pk = :pk AND begins_with(sk, :wh)",
              ProjectionExpression: "enabled, events",
              ConsistentRead: true,
              ExpressionAttributeValues: { ":pk": `ACC#${accountId}`, ":wh": "WH#" },
              ...(start ? { ExclusiveStartKey: start } : {}),
            }),
          ),
        );
        return items.some((item) => {
          const endpoint = storedSubscription.safeParse(item);
          return endpoint.success && endpoint.data.enabled && endpoint.data.events.includes(type);
        });
      } catch (error) {
        // Unknown is treated as "yes": the event goes through the outbox as before, never lost.
        logger.warn("webhook subscriptions not read; recording the event", {
          type,
          error: error as Error,
        });
        return true;
      }
    },
  };
}
