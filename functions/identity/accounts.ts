import { TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { usagePlanUnavailable } from "../auth/api-keys.ts";
import { envUsagePlanKeys, registerUsageIdentifier, type UsagePlanKeys } from "../auth/usage-plan-keys.ts";
import {
  DEFAULT_BOUNDS,
  DEFAULT_RETENTION,
  type RetentionBounds,
  type RetentionSettings,
} from "../retention/settings.ts";
import { dynamoClient } from "../shared/aws.ts";
import type { Clock } from "../shared/clock.ts";
import { tableName } from "../shared/config.ts";
import { newId } from "../shared/ids.ts";
import { logger } from "../shared/logger.ts";
import type { Role } from "../shared/principal.ts";

/**
 * Accounts and users in the accounts table:
 *   pk=ACC#<id>     sk=ACCOUNT        the account (name, home countries, retention)
 *   pk=ACC#<id>     sk=USER#<usrId>   a user (email, role, status, password hash, MFA settings)
 *   pk=EMAIL#<em>   sk=USER           unique email → user, read consistently at login
 * Identity also keeps here (see the stores named):
 *   pk=ACC#<id>     sk=SESSION#<sid>  a login session = refresh-token family (sessions-store.ts)
 *   pk=REFRESH#<h>  sk=TOKEN          a refresh token by keyed hash (sessions-store.ts)
 *   pk=ACC#<id>     sk=INVITE#<em>    the pending invitation for an email (invitations-store.ts)
 *   pk=INVITATION#<h> sk=TOKEN        invitation lookup by keyed token hash (invitations-store.ts)
 *   pk=ACC#<id>     sk=KEY#<keyId>    API key listing; pk=APIKEY#<sha256> sk=LOOKUP (auth/api-keys.ts)
 * Short-lived state (MFA challenges, failure counters) lives in the ephemeral table.
 */
/**
 * active: normal. suspended: every key and session refused (operator action; reversible).
 * closed: refused like suspended, never reactivated; its data is deleted after `deleteDataAfter`.
 * Items written before statuses existed have none and are active.
 */
export const accountStatuses = ["active", "suspended", "closed"] as const;
export type AccountStatus = (typeof accountStatuses)[number];

export interface Account {
  readonly accountId: string;
  readonly name: string;
  /** ISO 3166 alpha-2 codes the account may send to by default (fraud guard allow-list). */
  readonly allowedCountries: readonly string[];
  /** How long message bodies, message metadata and verifications are kept (functions/retention/). */
  readonly retention: RetentionSettings;
  /** What the owner may choose, set by the operator. */
  readonly retentionBounds: RetentionBounds;
  /**
   * retention.messageMetadataDays under its old name: written on the item too, so functions deployed
   * before per-field retention still compute a sane TTL during a rollout. Never read back from the
   * item (parseAccount derives it).
   */
  readonly retentionDays: number;
  readonly createdAt: string;
  readonly status: AccountStatus;
  /** ISO time after which a closed account's data is deleted by the purge (closedAt + longest retention). */
  readonly deleteDataAfter?: string;
  /** Operator-set limits; absent: none. */
  readonly limits?: AccountLimits;
}

/**
 * messagesPerDay: messages the send API accepts per UTC day (functions/messages/daily-limit.ts).
 * Plain data on the account item, so more limits can be added next to it.
 */
export interface AccountLimits {
  readonly messagesPerDay?: number;
}

export interface NewUser {
  readonly email: string;
  readonly role: Role;
  readonly passwordHash: string;
}

export const normalizeEmail = (email: string): string => email.trim().toLowerCase();

/**
 * Creates the account and its owner, then registers the account id with the API Gateway usage plan:
 * it is the usageIdentifierKey of every user token, so without it every signed-in call would get 403
 * on AWS. If registration fails, the three items are deleted again and a 503 is thrown.
 */
export async function createAccountWithOwner(
  input: {
    name: string;
    allowedCountries: readonly string[];
    retention?: RetentionSettings;
    owner: NewUser;
  },
  clock: Clock,
  usagePlan: UsagePlanKeys = envUsagePlanKeys,
): Promise<{ account: Account; userId: string }> {
  const now = clock.now().toISOString();
  const account: Account = {
    accountId: newId("acc"),
    name: input.name,
    allowedCountries: [...input.allowedCountries],
    retention: input.retention ?? DEFAULT_RETENTION,
    retentionBounds: DEFAULT_BOUNDS,
    retentionDays: (input.retention ?? DEFAULT_RETENTION).messageMetadataDays,
    createdAt: now,
    status: "active",
  };
  const userId = newId("usr");
  const email = normalizeEmail(input.owner.email);
  const table = tableName("accounts");
  await dynamoClient().send(
    new TransactWriteCommand({
      TransactItems: [
        { Put: { TableName: table, Item: { pk: `ACC#${account.accountId}`, sk: "ACCOUNT", ...account } } },
        {
          Put: {
            TableName: table,
            Item: {
              pk: `ACC#${account.accountId}`,
              sk: `USER#${userId}`,
              userId,
              accountId: account.accountId,
              email,
              role: input.owner.role,
              status: "active",
              passwordHash: input.owner.passwordHash,
              createdAt: now,
            },
          },
        },
        {
          Put: {
            TableName: table,
            Item: { pk: `EMAIL#${email}`, sk: "USER", accountId: account.accountId, userId },
            ConditionExpression: "attribute_not_exists(pk)",
          },
        },
      ],
    }),
  );
  try {
    await registerUsageIdentifier(usagePlan, account.accountId);
  } catch (error) {
    logger.error("account not registered with the usage plan; removing it", {
      accountId: account.accountId,
      error: error instanceof Error ? error.name : "unknown",
    });
    await dynamoClient()
      .send(
        new TransactWriteCommand({
          TransactItems: [
            { Delete: { TableName: table, Key: { pk: `ACC#${account.accountId}`, sk: "ACCOUNT" } } },
            { Delete: { TableName: table, Key: { pk: `ACC#${account.accountId}`, sk: `USER#${userId}` } } },
            { Delete: { TableName: table, Key: { pk: `EMAIL#${email}`, sk: "USER" } } },
          ],
        }),
      )
      .catch(() => logger.error("unregistered account left behind", { accountId: account.accountId }));
    throw usagePlanUnavailable("account");
  }
  return { account, userId };
}
