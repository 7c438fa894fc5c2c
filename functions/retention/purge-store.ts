import { DeleteCommand, GetCommand, PutCommand, ScanCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import { TERMINAL } from "../messages/status.ts";
import { dynamoClient } from "../shared/aws.ts";
import { tableName } from "../shared/config.ts";
import { appliedUnlessConditionFails, queryAll } from "../shared/dynamo.ts";
import type { AccountPolicy, PurgeCursor, PurgeStore } from "./purge.ts";
import { purgePhases } from "./purge.ts";
import { retentionOfItem } from "./settings.ts";

/**
 * The purge's DynamoDB side. Its resume cursor lives in the accounts table (pk=PURGE#retention,
 * sk=CURSOR): one small item the next run reads, in a table the purge writes anyway.
 *
 * Erasing a closed account deletes its users, API keys (and their hash lookups), invitations (and
 * their token lookups), sessions, e-mail claims, webhook endpoints and signing secret; refresh-token and device items carry no account
 * key to find them by and end by their own TTL (their session is gone, so they are refused at once).
 * The ACCOUNT item stays as a tombstone with dataDeletedAt (the id is never reused; the operator sees
 * when), and the audit log keeps its persistent class: it holds no message content or PII by rule
 * (functions/audit/port.ts) and is the account's record of who did what, e.g. for a dispute.
 */
const CURSOR_KEY = { pk: "PURGE#retention", sk: "CURSOR" } as const;

const storedCursor = z.object({
  phase: z.enum(purgePhases),
  startKey: z.record(z.string(), z.unknown()).optional(),
  cycleStartedAt: z.string(),
});

const tableOf = (phase: (typeof purgePhases)[number]): string =>
  tableName(phase === "accounts" ? "accounts" : phase);

/** messages and accounts have pk+sk; verifications has pk only. */
const keyOf = (phase: "messages" | "verifications", item: Record<string, unknown>) =>
  phase === "verifications" ? { pk: item.pk } : { pk: item.pk, sk: item.sk };

/** Final statuses and "sent": when a body may go (bodyNoLongerNeeded, messageAction). */
const BODY_DONE_STATUSES = ["sent", ...TERMINAL];

export function dynamoPurgeStore(): PurgeStore {
  const policies = new Map<string, Promise<AccountPolicy | undefined>>();
  const client = dynamoClient();

  async function readPolicy(accountId: string): Promise<AccountPolicy | undefined> {
    const { Item } = await client.send(
      new GetCommand({ TableName: tableName("accounts"), Key: { pk: `ACC#${accountId}`, sk: "ACCOUNT" } }),
    );
    if (!Item) return undefined;
    const deleteDataAfter = typeof Item.deleteDataAfter === "string" ? Item.deleteDataAfter : undefined;
    return {
      retention: retentionOfItem(Item).retention,
      ...(Item.status === "closed" && deleteDataAfter ? { eraseBefore: deleteDataAfter } : {}),
      ...(typeof Item.dataDeletedAt === "string" ? { dataDeletedAt: Item.dataDeletedAt } : {}),
    };
  }

  const remove = (table: string, key: Record<string, unknown>, condition?: Partial<DeleteCommand["input"]>) =>
    client.send(new DeleteCommand({ TableName: table, Key: key, ...condition }));

  return {
    async loadCursor() {
      const { Item } = await client.send(
        new GetCommand({ TableName: tableName("accounts"), Key: CURSOR_KEY, ConsistentRead: true }),
      );
      const parsed = storedCursor.safeParse(Item);
      // An unreadable cursor only costs a cycle started over.
      return parsed.success ? (parsed.data satisfies PurgeCursor) : undefined;
    },

    async saveCursor(cursor) {
      await client.send(
        new PutCommand({ TableName: tableName("accounts"), Item: { ...CURSOR_KEY, ...cursor } }),
      );
    },

    async scanPage(phase, startKey, limit) {
      const page = await client.send(
        new ScanCommand({
          TableName: tableOf(phase),
          Limit: limit,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      return {
        items: page.Items ?? [],
        ...(page.LastEvaluatedKey ? { nextKey: page.LastEvaluatedKey } : {}),
      };
    },

    async deleteItem(phase, item) {
      await remove(tableName(phase), keyOf(phase, item));
    },

    removeBody(item) {
      const values = Object.fromEntries(BODY_DONE_STATUSES.map((status, i) => [`:s${i}`, status]));
      return appliedUnlessConditionFails(
        client.send(
          new UpdateCommand({
            TableName: tableName("messages"),
            Key: keyOf("messages", item),
            UpdateExpression: "REMOVE textCipher",
            // Only once nobody needs it to submit: a message dispatch could still claim keeps it.
            ConditionExpression: `attribute_exists(textCipher) AND #status IN (${Object.keys(values).join(", ")})`,
            ExpressionAttributeNames: { "#status": "status" },
            ExpressionAttributeValues: values,
          }),
        ),
      );
    },

    accountPolicy(accountId) {
      let policy = policies.get(accountId);
      if (!policy) {
        policy = readPolicy(accountId);
        policies.set(accountId, policy);
      }
      return policy;
    },

    async eraseAccount(accountId, at) {
      const table = tableName("accounts");
      const items = await queryAll({
        TableName: table,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": `ACC#${accountId}` },
      });
      let deletedItems = 0;
      for (const item of items) {
        const sk = String(item.sk);
        if (sk === "ACCOUNT") continue;
        if (sk.startsWith("KEY#") && typeof item.hash === "string") {
          await remove(table, { pk: `APIKEY#${item.hash}`, sk: "LOOKUP" });
          deletedItems += 1;
        }
        if (sk.startsWith("USER#") && typeof item.email === "string") {
          // Only this account's claim on the address (it may have been taken by another since).
          const claimed = await appliedUnlessConditionFails(
            remove(
              table,
              { pk: `EMAIL#${item.email}`, sk: "USER" },
              {
                ConditionExpression: "accountId = :acc",
                ExpressionAttributeValues: { ":acc": accountId },
              },
            ),
          );
          if (claimed) deletedItems += 1;
        }
        if (sk.startsWith("INVITE#") && typeof item.tokenHash === "string") {
          await remove(table, { pk: `INVITATION#${item.tokenHash}`, sk: "TOKEN" });
          deletedItems += 1;
        }
        await remove(table, { pk: item.pk, sk: item.sk });
        deletedItems += 1;
      }
      // Webhook endpoints and the callbackUrl signing secret (sealed secrets, customer URLs); their
      // delivery history and payloads end by their own 30-day TTL.
      const webhooks = tableName("webhooks");
      const hooks = await queryAll({
        TableName: webhooks,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": `ACC#${accountId}` },
      });
      for (const item of hooks) {
        await remove(webhooks, { pk: item.pk, sk: item.sk });
        deletedItems += 1;
      }
      await client.send(
        new UpdateCommand({
          TableName: table,
          Key: { pk: `ACC#${accountId}`, sk: "ACCOUNT" },
          UpdateExpression: "SET dataDeletedAt = :at",
          ConditionExpression: "attribute_exists(pk)",
          ExpressionAttributeValues: { ":at": at },
        }),
      );
      policies.delete(accountId);
      return { deletedItems };
    },
  };
}
