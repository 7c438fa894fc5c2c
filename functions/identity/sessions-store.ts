import { GetCommand, PutCommand, TransactWriteCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import { dynamoClient } from "../shared/aws.ts";
import { epochSeconds } from "../shared/clock.ts";
import { tableName } from "../shared/config.ts";
import { isConditionalCheckFailure, queryAll } from "../shared/dynamo.ts";
import { logger } from "../shared/logger.ts";
import { type CoversEveryField, MalformedItemError, parseStoredItem } from "../shared/stored-item.ts";

/**
 * Sessions (one per login = one refresh-token family) and their refresh tokens, in the accounts table:
 *   pk=ACC#<acc>        sk=SESSION#<sid>  status active|revoked, userId, expiresAt
 *   pk=REFRESH#<hmac>   sk=TOKEN          status active|used, sessionId; kept until the session
 *                                          expires so that a replayed (used) token is recognised.
 */
export interface SessionRecord {
  readonly sessionId: string;
  readonly accountId: string;
  readonly userId: string;
  readonly status: "active" | "revoked";
  readonly createdAt: string;
  readonly expiresAt: number;
  readonly revokedReason?: string;
  /** When the user last proved the password or a second factor again (step-up), ISO-8601. */
  readonly reauthAt?: string;
}

export interface RefreshRecord {
  readonly accountId: string;
  readonly userId: string;
  readonly sessionId: string;
  readonly status: "active" | "used";
  readonly expiresAt: number;
}

/**
 * Session and refresh-token items as records; keys and bookkeeping (usedAt) drop. A malformed item
 * throws MalformedItemError (table and field, never the value): a session or token that cannot be
 * read authenticates nothing, and the failure is logged rather than read as "signed out".
 */
const storedSession = z.object({
  sessionId: z.string(),
  accountId: z.string(),
  userId: z.string(),
  status: z.enum(["active", "revoked"]),
  createdAt: z.string(),
  expiresAt: z.number(),
  revokedReason: z.string().optional(),
  reauthAt: z.string().optional(),
});
const storedRefresh = z.object({
  accountId: z.string(),
  userId: z.string(),
  sessionId: z.string(),
  status: z.enum(["active", "used"]),
  expiresAt: z.number(),
});

/** Does not compile while a field of either record is missing from its schema. */
export const schemasCoverSessionRecords: [
  CoversEveryField<SessionRecord, z.output<typeof storedSession>>,
  CoversEveryField<RefreshRecord, z.output<typeof storedRefresh>>,
] = [true, true];

export const sessionOf = (item: Readonly<Record<string, unknown>>): SessionRecord =>
  parseStoredItem("accounts", storedSession, item);
export const refreshOf = (item: Readonly<Record<string, unknown>>): RefreshRecord =>
  parseStoredItem("accounts", storedRefresh, item);

const sessionKey = (accountId: string, sessionId: string) => ({
  pk: `ACC#${accountId}`,
  sk: `SESSION#${sessionId}`,
});
const refreshKey = (hash: string) => ({ pk: `REFRESH#${hash}`, sk: "TOKEN" });

export async function createSession(session: SessionRecord, refreshHash: string): Promise<void> {
  const table = tableName("accounts");
  const refresh: RefreshRecord = {
    accountId: session.accountId,
    userId: session.userId,
    sessionId: session.sessionId,
    status: "active",
    expiresAt: session.expiresAt,
  };
  await dynamoClient().send(
    new TransactWriteCommand({
      TransactItems: [
        {
          Put: {
            TableName: table,
            Item: { ...sessionKey(session.accountId, session.sessionId), ...session },
          },
        },
        {
          Put: {
            TableName: table,
            Item: { ...refresh, ...refreshKey(refreshHash) },
            ConditionExpression: "attribute_not_exists(pk)",
          },
        },
      ],
    }),
  );
}

/** Strongly consistent; expired or unknown sessions are undefined. */
export async function getSession(
  accountId: string,
  sessionId: string,
  now: Date,
): Promise<SessionRecord | undefined> {
  const { Item } = await dynamoClient().send(
    new GetCommand({
      TableName: tableName("accounts"),
      Key: sessionKey(accountId, sessionId),
      ConsistentRead: true,
    }),
  );
  const session = Item ? sessionOf(Item) : undefined;
  if (!session || session.expiresAt <= epochSeconds(now)) return undefined;
  return session;
}

/** Records a fresh proof (step-up re-authentication) on a live session. */
export async function markSessionReauthenticated(
  accountId: string,
  sessionId: string,
  at: Date,
): Promise<void> {
  await dynamoClient().send(
    new UpdateCommand({
      TableName: tableName("accounts"),
      Key: sessionKey(accountId, sessionId),
      UpdateExpression: "SET reauthAt = :at",
      ConditionExpression: "attribute_exists(pk) AND #status = :active",
      ExpressionAttributeNames: { "#status": "status" },
      ExpressionAttributeValues: { ":at": at.toISOString(), ":active": "active" },
    }),
  );
}

export async function revokeSession(accountId: string, sessionId: string, reason: string): Promise<void> {
  try {
    await dynamoClient().send(
      new UpdateCommand({
        TableName: tableName("accounts"),
        Key: sessionKey(accountId, sessionId),
        UpdateExpression: "SET #status = :revoked, revokedReason = :reason",
        ConditionExpression: "attribute_exists(pk)",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: { ":revoked": "revoked", ":reason": reason },
      }),
    );
  } catch (error) {
    if (!isConditionalCheckFailure(error)) throw error;
  }
}

/** Revokes every live session of a user (e.g. when disabled); returns their ids. */
export async function revokeUserSessions(
  accountId: string,
  userId: string,
  reason: string,
  keepSessionId?: string,
): Promise<string[]> {
  const live = await queryAll({
    TableName: tableName("accounts"),
    KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
    FilterExpression: "userId = :user AND #status = :active AND expiresAt > :now",
    ExpressionAttributeNames: { "#status": "status" },
    ExpressionAttributeValues: {
      ":pk": `ACC#${accountId}`,
      ":prefix": "SESSION#",
      ":user": userId,
      ":active": "active",
      ":now": epochSeconds(new Date()),
    },
    ConsistentRead: true,
    ProjectionExpression: "sessionId",
  });
  const revoked: string[] = [];
  for (const item of live) {
    // Only the id is needed to revoke. One unreadable item is logged and passed over: it must not
    // keep this user's other sessions alive.
    const sessionId = item.sessionId;
    if (typeof sessionId !== "string") {
      logger.error("session item unreadable: not revoked", {
        error: new MalformedItemError("accounts", "sessionId"),
      });
      continue;
    }
    if (sessionId === keepSessionId) continue;
    await revokeSession(accountId, sessionId, reason);
    revoked.push(sessionId);
  }
  return revoked;
}

/** A used token came back: someone holds a copy. The whole family has been revoked. */
export interface RefreshReused {
  readonly kind: "reused";
  readonly accountId: string;
  readonly userId: string;
  readonly sessionId: string;
}

export type RefreshOutcome =
  | { readonly kind: "rotated"; readonly session: SessionRecord }
  | { readonly kind: "invalid" }
  | RefreshReused;

/**
 * Single use: the old token flips active → used in one conditional write, so two concurrent
 * refreshes with the same token cannot both win. The new token joins the same session (family).
 */
export async function rotateRefreshToken(
  oldHash: string,
  newHash: string,
  now: Date,
): Promise<RefreshOutcome> {
  const table = tableName("accounts");
  const nowSeconds = epochSeconds(now);
  let old: RefreshRecord;
  try {
    const result = await dynamoClient().send(
      new UpdateCommand({
        TableName: table,
        Key: refreshKey(oldHash),
        UpdateExpression: "SET #status = :used, usedAt = :at",
        ConditionExpression: "attribute_exists(pk) AND #status = :active AND expiresAt > :now",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: {
          ":used": "used",
          ":active": "active",
          ":now": nowSeconds,
          ":at": now.toISOString(),
        },
        ReturnValues: "ALL_OLD",
      }),
    );
    if (!result.Attributes) throw new Error("refresh token rotation returned no old item");
    old = refreshOf(result.Attributes);
  } catch (error) {
    if (!isConditionalCheckFailure(error)) throw error;
    const { Item } = await dynamoClient().send(
      new GetCommand({ TableName: table, Key: refreshKey(oldHash), ConsistentRead: true }),
    );
    const item = Item ? refreshOf(Item) : undefined;
    if (item?.status === "used" && item.expiresAt > nowSeconds) {
      await revokeSession(item.accountId, item.sessionId, "refresh-token-reuse");
      return { kind: "reused", accountId: item.accountId, userId: item.userId, sessionId: item.sessionId };
    }
    return { kind: "invalid" };
  }
  const session = await getSession(old.accountId, old.sessionId, now);
  if (session?.status !== "active") return { kind: "invalid" };
  const next: RefreshRecord = {
    accountId: old.accountId,
    userId: old.userId,
    sessionId: old.sessionId,
    status: "active",
    expiresAt: session.expiresAt,
  };
  await dynamoClient().send(
    new PutCommand({
      TableName: table,
      Item: { ...next, ...refreshKey(newHash) },
      ConditionExpression: "attribute_not_exists(pk)",
    }),
  );
  return { kind: "rotated", session };
}
