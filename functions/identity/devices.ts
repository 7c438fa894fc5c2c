import { randomBytes } from "node:crypto";
import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import { dynamoClient } from "../shared/aws.ts";
import { epochSeconds } from "../shared/clock.ts";
import { tableName } from "../shared/config.ts";
import type { Hasher } from "../shared/secrets.ts";

/**
 * Device tokens (OWASP "device cookies"): a browser or client that completed a sign-in gets an
 * opaque token bound to that user. Login attempts that present it are throttled per device instead
 * of by the account-wide counter, so an attacker hammering an account from elsewhere slows only
 * unproven sources: the rightful user on a known device still signs in (password + second factor).
 * Stored as a keyed hash in the accounts table: pk=DEVICE#<hmac>, sk=TOKEN, with a TTL.
 */
export const DEVICE_TOKEN_TTL_SECONDS = 90 * 24 * 3600;
const DEVICE_TOKEN = /^tgd_[A-Za-z0-9_-]{43}$/;

const deviceItem = z.object({
  accountId: z.string(),
  userId: z.string(),
  expiresAt: z.number(),
});

export interface TrustedDevice {
  readonly hash: string;
  readonly accountId: string;
  readonly userId: string;
}

const key = (hash: string) => ({ pk: `DEVICE#${hash}`, sk: "TOKEN" });

export async function issueDeviceToken(
  user: { accountId: string; userId: string },
  now: Date,
  hasher: Hasher,
): Promise<string> {
  const token = `tgd_${randomBytes(32).toString("base64url")}`;
  await dynamoClient().send(
    new PutCommand({
      TableName: tableName("accounts"),
      Item: {
        ...key(await hasher.hmac("device-token", token)),
        accountId: user.accountId,
        userId: user.userId,
        expiresAt: epochSeconds(now) + DEVICE_TOKEN_TTL_SECONDS,
      },
      ConditionExpression: "attribute_not_exists(pk)",
    }),
  );
  return token;
}

/** The device behind a token, if it is well-formed, known and not expired; anything else is none. */
export async function findDevice(
  token: string | undefined,
  now: Date,
  hasher: Hasher,
): Promise<TrustedDevice | undefined> {
  if (!token || !DEVICE_TOKEN.test(token)) return undefined;
  const hash = await hasher.hmac("device-token", token);
  const { Item } = await dynamoClient().send(
    new GetCommand({ TableName: tableName("accounts"), Key: key(hash), ConsistentRead: true }),
  );
  const parsed = deviceItem.safeParse(Item);
  if (!parsed.success || parsed.data.expiresAt <= epochSeconds(now)) return undefined;
  return { hash, accountId: parsed.data.accountId, userId: parsed.data.userId };
}
