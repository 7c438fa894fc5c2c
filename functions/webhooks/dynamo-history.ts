import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import { dynamoClient } from "../shared/aws.ts";
import { epochSeconds } from "../shared/clock.ts";
import { tableName } from "../shared/config.ts";
import { appliedUnlessConditionFails } from "../shared/dynamo.ts";
import type { DeliveryAttempt, DeliveryLog, EventPayloadStore, SlotPool } from "./ports.ts";
import { deliveryOutcomes, webhookEventPayload, webhookEventType } from "./schemas.ts";

/** Delivery history and event payloads live 30 days (replay window), then TTL removes them. */
export const HISTORY_DAYS = 30;
const table = () => tableName("webhooks");
const historyExpiry = (at: string): number => epochSeconds(new Date(at)) + HISTORY_DAYS * 24 * 3600;
const nowSeconds = (): number => epochSeconds(new Date());

const storedAttempt = z.object({
  id: z.string(),
  endpointId: z.string(),
  eventId: z.string(),
  type: webhookEventType,
  attempt: z.int(),
  outcome: z.enum(deliveryOutcomes),
  statusCode: z.int().optional(),
  error: z.string().optional(),
  latencyMs: z.int(),
  at: z.string(),
  expiresAt: z.number().optional(),
});

const live = (item: Record<string, unknown> | undefined): item is Record<string, unknown> =>
  item !== undefined && (typeof item.expiresAt !== "number" || item.expiresAt > nowSeconds());

const toAttempt = (item: Record<string, unknown>): DeliveryAttempt => {
  const { expiresAt: _ttl, ...attempt } = storedAttempt.parse(item);
  return attempt;
};

export function dynamoDeliveryLog(): DeliveryLog {
  return {
    async record(attempt) {
      await dynamoClient().send(
        new PutCommand({
          TableName: table(),
          Item: {
            pk: `WH#${attempt.endpointId}`,
            sk: `DLV#${attempt.id}`,
            ...attempt,
            expiresAt: historyExpiry(attempt.at),
          },
        }),
      );
    },
    async list(endpointId, limit) {
      const { Items = [] } = await dynamoClient().send(
        new QueryCommand({
          TableName: table(),
          KeyConditionExpression: "pk = :pk AND begins_with(sk, :dlv)",
          ExpressionAttributeValues: { ":pk": `WH#${endpointId}`, ":dlv": "DLV#" },
          // Delivery ids are ULIDs: newest first is descending sort-key order.
          ScanIndexForward: false,
          Limit: limit,
        }),
      );
      return Items.filter(live).map(toAttempt);
    },
    async get(endpointId, deliveryId) {
      const { Item } = await dynamoClient().send(
        new GetCommand({ TableName: table(), Key: { pk: `WH#${endpointId}`, sk: `DLV#${deliveryId}` } }),
      );
      return live(Item) ? toAttempt(Item) : undefined;
    },
  };
}

const payloadKey = (eventId: string, endpointId: string) => ({
  pk: `EVT#${eventId}`,
  sk: `WH#${endpointId}`,
});

export function dynamoEventPayloads(): EventPayloadStore {
  return {
    claimFanOut(eventId, endpointId, payload) {
      // A second publish of the same event id is skipped once its delivery was queued; one whose
      // enqueue failed (fannedOut still false) is claimed again, so the event is not lost.
      return appliedUnlessConditionFails(
        dynamoClient().send(
          new PutCommand({
            TableName: table(),
            Item: {
              ...payloadKey(eventId, endpointId),
              payload: JSON.stringify(payload),
              fannedOut: false,
              expiresAt: historyExpiry(new Date().toISOString()),
            },
            ConditionExpression: "attribute_not_exists(pk) OR fannedOut = :false",
            ExpressionAttributeValues: { ":false": false },
          }),
        ),
      );
    },
    async markFannedOut(eventId, endpointId) {
      await dynamoClient().send(
        new UpdateCommand({
          TableName: table(),
          Key: payloadKey(eventId, endpointId),
          UpdateExpression: "SET fannedOut = :true",
          ExpressionAttributeValues: { ":true": true },
        }),
      );
    },
    async get(eventId, endpointId) {
      const { Item } = await dynamoClient().send(
        new GetCommand({ TableName: table(), Key: payloadKey(eventId, endpointId) }),
      );
      if (!live(Item) || typeof Item.payload !== "string") return undefined;
      return webhookEventPayload.parse(JSON.parse(Item.payload));
    },
  };
}

/** Slots SLOT#0..size-1 per endpoint, each a lease that runs out by itself if a sender dies. */
export function dynamoSlotPool(size: number): SlotPool {
  return {
    async acquire(endpointId, nowMs, leaseMs) {
      const start = Math.floor(Math.random() * size);
      for (let i = 0; i < size; i++) {
        const slot = (start + i) % size;
        const taken = await appliedUnlessConditionFails(
          dynamoClient().send(
            new PutCommand({
              TableName: table(),
              Item: {
                pk: `WH#${endpointId}`,
                sk: `SLOT#${slot}`,
                leaseUntil: nowMs + leaseMs,
                expiresAt: Math.ceil((nowMs + leaseMs) / 1000) + 3600,
              },
              ConditionExpression: "attribute_not_exists(pk) OR leaseUntil < :now",
              ExpressionAttributeValues: { ":now": nowMs },
            }),
          ),
        );
        if (taken) return slot;
      }
      return undefined;
    },
    async release(endpointId, slot) {
      await dynamoClient().send(
        new UpdateCommand({
          TableName: table(),
          Key: { pk: `WH#${endpointId}`, sk: `SLOT#${slot}` },
          UpdateExpression: "SET leaseUntil = :zero",
          ExpressionAttributeValues: { ":zero": 0 },
        }),
      );
    },
  };
}
