import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import { dynamoClient } from "../shared/aws.ts";
import { tableName } from "../shared/config.ts";
import type { FieldCipher } from "../shared/crypto.ts";
import { isConditionalCheckFailure } from "../shared/dynamo.ts";
import type { AccountSigningSecrets, SigningSecret } from "./ports.ts";
import { activeSecrets, newSigningSecret, ROTATION_OVERLAP_MS } from "./signing.ts";

/**
 * The account's own signing secret (for messages' callbackUrl) in the webhooks table:
 * pk=ACC#<account>, sk=SIGNING (outside the WH# range, so endpoint listings never see it); sealed
 * like endpoint secrets. Writes are conditional on the version read, so two rotations (or a rotation
 * racing the first use) never lose a secret that was already shown.
 */
const table = () => tableName("webhooks");
const key = (accountId: string) => ({ pk: `ACC#${accountId}`, sk: "SIGNING" });
const context = (accountId: string) => ({ accountId, field: "account-signing-secrets" });

const storedItem = z.object({ secretsCipher: z.string(), version: z.int(), createdAt: z.string() });
const signingSecrets = z.array(z.object({ secret: z.string(), until: z.string().optional() })).min(1);

export function dynamoAccountSecrets(cipher: FieldCipher, now: () => Date): AccountSigningSecrets {
  const read = async (accountId: string) => {
    const { Item } = await dynamoClient().send(
      new GetCommand({ TableName: table(), Key: key(accountId), ConsistentRead: true }),
    );
    if (!Item) return undefined;
    const stored = storedItem.parse(Item);
    const plain = await cipher.decrypt(stored.secretsCipher, context(accountId));
    return { version: stored.version, secrets: signingSecrets.parse(JSON.parse(plain)) };
  };

  /** Writes `secrets` as the version after `previous`; false when someone else wrote first. */
  const write = async (accountId: string, secrets: readonly SigningSecret[], previous?: number) => {
    try {
      await dynamoClient().send(
        new PutCommand({
          TableName: table(),
          Item: {
            ...key(accountId),
            secretsCipher: await cipher.encrypt(JSON.stringify(secrets), context(accountId)),
            version: (previous ?? 0) + 1,
            createdAt: now().toISOString(),
          },
          ConditionExpression: previous === undefined ? "attribute_not_exists(pk)" : "version = :previous",
          ...(previous === undefined ? {} : { ExpressionAttributeValues: { ":previous": previous } }),
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailure(error)) return false;
      throw error;
    }
  };

  return {
    async active(accountId) {
      const stored = await read(accountId);
      if (stored) return activeSecrets(stored.secrets, now());
      // First use: create it; a concurrent creator wins and its secret is the one used.
      const secrets = [{ secret: newSigningSecret() }];
      if (await write(accountId, secrets)) return secrets;
      const winner = await read(accountId);
      if (!winner) throw new Error("account signing secret vanished after a conflicting create");
      return activeSecrets(winner.secrets, now());
    },
    async rotate(accountId) {
      const stored = await read(accountId);
      const at = now();
      const [current] = stored ? activeSecrets(stored.secrets, at) : [];
      const secret = newSigningSecret();
      const previousValidUntil = current
        ? new Date(at.getTime() + ROTATION_OVERLAP_MS).toISOString()
        : undefined;
      const secrets: SigningSecret[] = [
        { secret },
        ...(current && previousValidUntil ? [{ secret: current.secret, until: previousValidUntil }] : []),
      ];
      if (!(await write(accountId, secrets, stored?.version))) return undefined;
      return { secret, ...(previousValidUntil ? { previousValidUntil } : {}) };
    },
  };
}
