import { createHash, randomBytes } from "node:crypto";
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import { dynamoClient } from "../shared/aws.ts";
import { epochSeconds } from "../shared/clock.ts";
import { tableName } from "../shared/config.ts";
import { appliedUnlessConditionFails } from "../shared/dynamo.ts";

/**
 * MFA challenges: the half-way state after a correct password. The id is a 256-bit bearer secret,
 * stored only as its SHA-256 (high entropy: nothing to brute-force), lives 5 minutes, allows a few
 * codes (each reserved by a conditional increment before it is checked), and is deleted by the one
 * request that completes it.
 */
export const CHALLENGE_TTL_SECONDS = 5 * 60;
export const MAX_CHALLENGE_ATTEMPTS = 5;
export const MAX_CHALLENGE_SMS = 3;

export type MfaMethod = "totp" | "sms" | "recovery";

const challengeItem = z.object({
  accountId: z.string(),
  userId: z.string(),
  methods: z.array(z.enum(["totp", "sms", "recovery"])),
  attempts: z.number(),
  smsSends: z.number(),
  verificationId: z.string().optional(),
  /** Set when the password step came with a known device token (its own guessing budget). */
  deviceHash: z.string().optional(),
  expiresAt: z.number(),
});

export type Challenge = z.infer<typeof challengeItem>;

const key = (challengeId: string) => ({
  pk: `mfa#${createHash("sha256").update(challengeId).digest("base64url")}`,
});

export async function createChallenge(
  input: Pick<Challenge, "accountId" | "userId" | "methods" | "deviceHash">,
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
  const parsed = challengeItem.safeParse(Item);
  if (!parsed.success) return undefined;
  const challenge = parsed.data;
  if (challenge.expiresAt <= epochSeconds(now)) return undefined;
  if (challenge.attempts >= MAX_CHALLENGE_ATTEMPTS) return undefined;
  return challenge;
}

/**
 * Reserves one code check on the challenge before the code is looked at: a conditional increment
 * that fails once the budget is spent or the challenge expired, so parallel guesses get at most
 * MAX_CHALLENGE_ATTEMPTS checks between them.
 */
export async function reserveChallengeAttempt(challengeId: string, now: Date): Promise<boolean> {
  return appliedUnlessConditionFails(
    dynamoClient().send(
      new UpdateCommand({
        TableName: tableName("ephemeral"),
        Key: key(challengeId),
        UpdateExpression: "ADD attempts :one",
        ConditionExpression: "attribute_exists(pk) AND attempts < :max AND expiresAt > :now",
        ExpressionAttributeValues: { ":one": 1, ":max": MAX_CHALLENGE_ATTEMPTS, ":now": epochSeconds(now) },
      }),
    ),
  );
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
