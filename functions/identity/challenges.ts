import { createHash, randomBytes } from "node:crypto";
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { dynamoClient } from "../shared/aws.ts";
import { epochSeconds } from "../shared/clock.ts";
import { tableName } from "../shared/config.ts";
import { appliedUnlessConditionFails } from "../shared/dynamo.ts";

/**
 * MFA challenges: the half-way state after a correct password. The id is a 256-bit bearer secret,
 * stored only as its SHA-256 (high entropy: nothing to brute-force), lives 5 minutes, allows a few
 * wrong codes, and is deleted by the one request that completes it.
 */
export const CHALLENGE_TTL_SECONDS = 5 * 60;
export const MAX_CHALLENGE_ATTEMPTS = 5;
export const MAX_CHALLENGE_SMS = 3;

export type MfaMethod = "totp" | "sms" | "recovery";

export interface Challenge {
  readonly accountId: string;
  readonly userId: string;
  readonly methods: readonly MfaMethod[];
  readonly attempts: number;
  readonly smsSends: number;
  readonly verificationId?: string;
  readonly expiresAt: number;
}

const key = (challengeId: string) => ({
  pk: `mfa#${createHash("sha256").update(challengeId).digest("base64url")}`,
});

export async function createChallenge(
  input: Pick<Challenge, "accountId" | "userId" | "methods">,
  now: Date,
): Promise<{ challengeId: string; expiresAt: number }> {
  const challengeId = `mfa_${randomBytes(32).toString("base64url")}`;
  const expiresAt = epochSeconds(now) + CHALLENGE_TTL_SECONDS;
  const item: Challenge = { ...input, attempts: 0, smsSends: 0, expiresAt };
  await dynamoClient().send(
    new PutCommand({ TableName: tableName("ephemeral"), Item: { ...key(challengeId), ...item } }),
  );
  return { challengeId, expiresAt };
}

export async function getChallenge(challengeId: string, now: Date): Promise<Challenge | undefined> {
  const { Item } = await dynamoClient().send(
    new GetCommand({ TableName: tableName("ephemeral"), Key: key(challengeId), ConsistentRead: true }),
  );
  const challenge = Item as Challenge | undefined;
  if (!challenge || challenge.expiresAt <= epochSeconds(now)) return undefined;
  if (challenge.attempts >= MAX_CHALLENGE_ATTEMPTS) return undefined;
  return challenge;
}

/** Counts a wrong code; returns the attempts used. */
export async function recordChallengeFailure(challengeId: string): Promise<number> {
  const result = await dynamoClient().send(
    new UpdateCommand({
      TableName: tableName("ephemeral"),
      Key: key(challengeId),
      UpdateExpression: "ADD attempts :one",
      ConditionExpression: "attribute_exists(pk)",
      ExpressionAttributeValues: { ":one": 1 },
      ReturnValues: "UPDATED_NEW",
    }),
  );
  return Number(result.Attributes?.attempts ?? MAX_CHALLENGE_ATTEMPTS);
}

/** Reserves one SMS send for the challenge; false when the per-challenge budget is spent. */
export async function reserveChallengeSms(challengeId: string): Promise<boolean> {
  return appliedUnlessConditionFails(
    dynamoClient().send(
      new UpdateCommand({
        TableName: tableName("ephemeral"),
        Key: key(challengeId),
        UpdateExpression: "ADD smsSends :one",
        ConditionExpression: "attribute_exists(pk) AND smsSends < :max",
        ExpressionAttributeValues: { ":one": 1, ":max": MAX_CHALLENGE_SMS },
      }),
    ),
  );
}

export async function attachVerification(challengeId: string, verificationId: string): Promise<void> {
  await dynamoClient().send(
    new UpdateCommand({
      TableName: tableName("ephemeral"),
      Key: key(challengeId),
      UpdateExpression: "SET verificationId = :v",
      ConditionExpression: "attribute_exists(pk)",
      ExpressionAttributeValues: { ":v": verificationId },
    }),
  );
}

/** Single use: only the first completing request deletes it; a racing second one gets false. */
export async function consumeChallenge(challengeId: string): Promise<boolean> {
  return appliedUnlessConditionFails(
    dynamoClient().send(
      new DeleteCommand({
        TableName: tableName("ephemeral"),
        Key: key(challengeId),
        ConditionExpression: "attribute_exists(pk)",
      }),
    ),
  );
}
