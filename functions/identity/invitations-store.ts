import { GetCommand, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import { dynamoClient } from "../shared/aws.ts";
import { epochSeconds } from "../shared/clock.ts";
import { tableName } from "../shared/config.ts";
import { isTransactionCancelled, queryAll } from "../shared/dynamo.ts";
import { roles } from "../shared/principal.ts";

/**
 * Invitations in the accounts table. The token itself is never stored, only its keyed hash:
 *   pk=ACC#<acc>          sk=INVITE#<email>  the account's pending invitation for that email
 *   pk=INVITATION#<hmac>  sk=TOKEN           lookup by token at acceptance
 * A re-invite replaces the first item and deletes the old lookup in one transaction, so the
 * previous token stops working at once. Acceptance deletes both (single use).
 */
export const INVITATION_TTL_SECONDS = 72 * 3600;

/** Stored invitation items are parsed, never cast: pk/sk and unknown attributes are dropped. */
const invitationItem = z.object({
  invitationId: z.string(),
  accountId: z.string(),
  email: z.string(),
  role: z.enum(roles),
  invitedBy: z.string(),
  tokenHash: z.string(),
  createdAt: z.string(),
  expiresAt: z.number(),
});
export type Invitation = Readonly<z.infer<typeof invitationItem>>;

const parseInvitation = (item: Record<string, unknown> | undefined): Invitation | undefined =>
  item ? invitationItem.parse(item) : undefined;

const inviteKey = (accountId: string, email: string) => ({ pk: `ACC#${accountId}`, sk: `INVITE#${email}` });
const lookupKey = (tokenHash: string) => ({ pk: `INVITATION#${tokenHash}`, sk: "TOKEN" });

/**
 * The account's current invitation item for an email, expired or not: it is only used as the
 * condition of the replacing write (and to delete its lookup), never to let anyone in.
 */
export async function getPendingInvitation(
  accountId: string,
  email: string,
): Promise<Invitation | undefined> {
  const { Item } = await dynamoClient().send(
    new GetCommand({
      TableName: tableName("accounts"),
      Key: inviteKey(accountId, email),
      ConsistentRead: true,
    }),
  );
  return parseInvitation(Item);
}

/** Stores a new invitation, revoking any previous one for the same email in the same write. */
export async function putInvitation(invitation: Invitation, previous: Invitation | undefined): Promise<void> {
  const table = tableName("accounts");
  await dynamoClient().send(
    new TransactWriteCommand({
      TransactItems: [
        {
          Put: {
            TableName: table,
            Item: { ...inviteKey(invitation.accountId, invitation.email), ...invitation },
            ...(previous
              ? {
                  ConditionExpression: "invitationId = :previous",
                  ExpressionAttributeValues: { ":previous": previous.invitationId },
                }
              : { ConditionExpression: "attribute_not_exists(pk)" }),
          },
        },
        ...(previous ? [{ Delete: { TableName: table, Key: lookupKey(previous.tokenHash) } }] : []),
        { Put: { TableName: table, Item: { ...lookupKey(invitation.tokenHash), ...invitation } } },
      ],
    }),
  );
}

/** A live invitation for this token hash (expired ones are filtered: TTL deletes late). */
export async function findInvitation(tokenHash: string, now: Date): Promise<Invitation | undefined> {
  const { Item } = await dynamoClient().send(
    new GetCommand({ TableName: tableName("accounts"), Key: lookupKey(tokenHash), ConsistentRead: true }),
  );
  const invitation = parseInvitation(Item);
  if (!invitation || invitation.expiresAt <= epochSeconds(now)) return undefined;
  return invitation;
}

/** The account's live invitations, newest first (expired ones are filtered: TTL deletes late). */
export async function listInvitations(accountId: string, now: Date): Promise<Invitation[]> {
  const items = await queryAll({
    TableName: tableName("accounts"),
    KeyConditionExpression: "pk = :pk AND begins_with(sk, :invite)",
    ExpressionAttributeValues: { ":pk": `ACC#${accountId}`, ":invite": "INVITE#" },
    ConsistentRead: true,
  });
  const nowSeconds = epochSeconds(now);
  return items
    .map((item) => invitationItem.parse(item))
    .filter((invitation) => invitation.expiresAt > nowSeconds)
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}

/**
 * Deletes both items of exactly this invitation (not a newer one for the same email) in one
 * write: its token stops working at once. "gone" when it was accepted or replaced meanwhile.
 */
export async function deleteInvitation(invitation: Invitation): Promise<"deleted" | "gone"> {
  const table = tableName("accounts");
  try {
    await dynamoClient().send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Delete: {
              TableName: table,
              Key: inviteKey(invitation.accountId, invitation.email),
              ConditionExpression: "invitationId = :id",
              ExpressionAttributeValues: { ":id": invitation.invitationId },
            },
          },
          { Delete: { TableName: table, Key: lookupKey(invitation.tokenHash) } },
        ],
      }),
    );
    return "deleted";
  } catch (error) {
    if (isTransactionCancelled(error)) return "gone";
    throw error;
  }
}

/**
 * Turns the invitation into a user in one transaction: both invitation items must still be there
 * (single use; a re-invite in between makes it fail) and the email must be free platform-wide.
 */
export async function acceptInvitationWrite(
  invitation: Invitation,
  user: { userId: string; passwordHash: string; createdAt: string },
): Promise<"created" | "email-taken" | "gone"> {
  const table = tableName("accounts");
  try {
    await dynamoClient().send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Delete: {
              TableName: table,
              Key: lookupKey(invitation.tokenHash),
              ConditionExpression: "attribute_exists(pk)",
            },
          },
          {
            Delete: {
              TableName: table,
              Key: inviteKey(invitation.accountId, invitation.email),
              ConditionExpression: "invitationId = :id",
              ExpressionAttributeValues: { ":id": invitation.invitationId },
            },
          },
          {
            Put: {
              TableName: table,
              Item: {
                pk: `ACC#${invitation.accountId}`,
                sk: `USER#${user.userId}`,
                userId: user.userId,
                accountId: invitation.accountId,
                email: invitation.email,
                role: invitation.role,
                status: "active",
                passwordHash: user.passwordHash,
                createdAt: user.createdAt,
              },
              ConditionExpression: "attribute_not_exists(pk)",
            },
          },
          {
            Put: {
              TableName: table,
              Item: {
                pk: `EMAIL#${invitation.email}`,
                sk: "USER",
                accountId: invitation.accountId,
                userId: user.userId,
              },
              ConditionExpression: "attribute_not_exists(pk)",
            },
          },
        ],
      }),
    );
    return "created";
  } catch (error) {
    const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons;
    if (!reasons) throw error;
    if (reasons[3]?.Code === "ConditionalCheckFailed") return "email-taken";
    if (reasons.some((reason) => reason.Code === "ConditionalCheckFailed")) return "gone";
    throw error;
  }
}
