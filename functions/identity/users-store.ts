import { GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import { retentionOfItem } from "../retention/settings.ts";
import { dynamoClient } from "../shared/aws.ts";
import { tableName } from "../shared/config.ts";
import { appliedUnlessConditionFails, queryAll } from "../shared/dynamo.ts";
import { type Role, roles } from "../shared/principal.ts";
import { type CoversEveryField, parseStoredItem } from "../shared/stored-item.ts";
import { type Account, accountStatuses, normalizeEmail } from "./accounts.ts";

/**
 * Users in the accounts table (layout in accounts.ts). MFA state lives on the user item:
 * totpSecret / totpPendingSecret (encrypted), totpLastStep (replay guard), smsPhone (encrypted),
 * recoveryCodes (a string set of keyed hashes, removed one by one as they are used).
 */
export const userStatuses = ["active", "disabled", "locked"] as const;
export type UserStatus = (typeof userStatuses)[number];

export interface UserRecord {
  readonly userId: string;
  readonly accountId: string;
  readonly email: string;
  readonly role: Role;
  readonly status: UserStatus;
  readonly passwordHash: string;
  readonly createdAt: string;
  readonly totpEnabled?: boolean;
  readonly totpSecret?: string;
  readonly totpPendingSecret?: string;
  readonly totpLastStep?: number;
  readonly smsEnabled?: boolean;
  readonly smsPhone?: string;
  readonly smsPhoneMasked?: string;
  readonly smsPendingPhone?: string;
  readonly smsPendingVerificationId?: string;
  readonly recoveryCodes?: ReadonlySet<string>;
}

/** What may leave the service: no hashes, no secrets. */
export interface UserView {
  readonly userId: string;
  readonly email: string;
  readonly role: Role;
  readonly status: UserStatus;
  readonly createdAt: string;
  readonly mfa: { readonly totp: boolean; readonly sms: boolean; readonly recoveryCodesLeft: number };
}

export const toUserView = (user: UserRecord): UserView => ({
  userId: user.userId,
  email: user.email,
  role: user.role,
  status: user.status,
  createdAt: user.createdAt,
  mfa: {
    totp: user.totpEnabled === true,
    sms: user.smsEnabled === true,
    recoveryCodesLeft: user.recoveryCodes?.size ?? 0,
  },
});

export const hasSecondFactor = (user: UserRecord): boolean =>
  user.totpEnabled === true || user.smsEnabled === true;

/**
 * A user item as a UserRecord; the keys and bookkeeping attributes drop. A malformed item throws
 * MalformedItemError (table and field, never the value: hashes and sealed secrets live here). A
 * user that cannot be read cannot sign in or be managed safely, so its readers fail (500).
 */
const storedUser = z.object({
  userId: z.string(),
  accountId: z.string(),
  email: z.string(),
  role: z.enum(roles),
  status: z.enum(userStatuses),
  passwordHash: z.string(),
  createdAt: z.string(),
  totpEnabled: z.boolean().optional(),
  totpSecret: z.string().optional(),
  totpPendingSecret: z.string().optional(),
  totpLastStep: z.number().optional(),
  smsEnabled: z.boolean().optional(),
  smsPhone: z.string().optional(),
  smsPhoneMasked: z.string().optional(),
  smsPendingPhone: z.string().optional(),
  smsPendingVerificationId: z.string().optional(),
  // A string set: DynamoDB reads it back as a Set (and removes the attribute with its last member).
  recoveryCodes: z.set(z.string()).optional(),
});

/** Does not compile while a field of UserRecord is missing from the schema. */
export const schemaCoversUserRecord: CoversEveryField<UserRecord, z.output<typeof storedUser>> = true;

export const userRecordOf = (item: Readonly<Record<string, unknown>>): UserRecord =>
  parseStoredItem("accounts", storedUser, item);

const userKey = (accountId: string, userId: string) => ({ pk: `ACC#${accountId}`, sk: `USER#${userId}` });

export async function getUser(accountId: string, userId: string): Promise<UserRecord | undefined> {
  const { Item } = await dynamoClient().send(
    new GetCommand({
      TableName: tableName("accounts"),
      Key: userKey(accountId, userId),
      ConsistentRead: true,
    }),
  );
  return Item ? userRecordOf(Item) : undefined;
}

export async function getUserByEmail(email: string): Promise<UserRecord | undefined> {
  const { Item } = await dynamoClient().send(
    new GetCommand({
      TableName: tableName("accounts"),
      Key: { pk: `EMAIL#${normalizeEmail(email)}`, sk: "USER" },
      ConsistentRead: true,
    }),
  );
  if (typeof Item?.accountId !== "string" || typeof Item.userId !== "string") return undefined;
  return getUser(Item.accountId, Item.userId);
}

/**
 * Stored account items are parsed, never cast; items from before statuses existed are active, and
 * items from before per-field retention are mapped from their single retentionDays (retentionOfItem).
 */
export const accountItem = z.object({
  accountId: z.string(),
  name: z.string(),
  allowedCountries: z.array(z.string()).readonly(),
  createdAt: z.string(),
  status: z.enum(accountStatuses).default("active"),
  deleteDataAfter: z.string().optional(),
  limits: z.object({ messagesPerDay: z.int().positive().optional() }).optional(),
});

export const parseAccount = (item: Record<string, unknown>): Account => {
  const { deleteDataAfter, limits, ...rest } = accountItem.parse(item);
  const { retention, retentionBounds } = retentionOfItem(item);
  return {
    ...rest,
    retention,
    retentionBounds,
    retentionDays: retention.messageMetadataDays,
    ...(deleteDataAfter ? { deleteDataAfter } : {}),
    ...(limits ? { limits: limits.messagesPerDay ? { messagesPerDay: limits.messagesPerDay } : {} } : {}),
  };
};

export async function getAccount(accountId: string): Promise<Account | undefined> {
  const { Item } = await dynamoClient().send(
    new GetCommand({ TableName: tableName("accounts"), Key: { pk: `ACC#${accountId}`, sk: "ACCOUNT" } }),
  );
  return Item ? parseAccount(Item) : undefined;
}

/**
 * Whether the account may use the API now (read consistently: a suspension must bite at once for
 * the checks that promise it). A missing account is not active.
 */
export async function accountIsActive(accountId: string): Promise<boolean> {
  const { Item } = await dynamoClient().send(
    new GetCommand({
      TableName: tableName("accounts"),
      Key: { pk: `ACC#${accountId}`, sk: "ACCOUNT" },
      ProjectionExpression: "#status",
      ExpressionAttributeNames: { "#status": "status" },
      ConsistentRead: true,
    }),
  );
  if (!Item) return false;
  return (Item.status ?? "active") === "active";
}

export async function listUsers(accountId: string): Promise<UserRecord[]> {
  const items = await queryAll({
    TableName: tableName("accounts"),
    KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
    ExpressionAttributeValues: { ":pk": `ACC#${accountId}`, ":prefix": "USER#" },
    ConsistentRead: true,
  });
  return items.map(userRecordOf);
}

/** SET name = value for each entry (undefined → REMOVE), on an existing user only. */
export async function updateUser(
  accountId: string,
  userId: string,
  changes: Readonly<Record<string, unknown>>,
  condition?: { expression: string; values: Record<string, unknown>; names?: Record<string, string> },
): Promise<void> {
  const sets: string[] = [];
  const removes: string[] = [];
  const names: Record<string, string> = { ...(condition?.names ?? {}) };
  const values: Record<string, unknown> = { ...(condition?.values ?? {}) };
  for (const [index, [name, value]] of Object.entries(changes).entries()) {
    names[`#a${index}`] = name;
    if (value === undefined) removes.push(`#a${index}`);
    else {
      sets.push(`#a${index} = :v${index}`);
      values[`:v${index}`] = value;
    }
  }
  const expression = [
    sets.length ? `SET ${sets.join(", ")}` : "",
    removes.length ? `REMOVE ${removes.join(", ")}` : "",
  ]
    .filter(Boolean)
    .join(" ");
  await dynamoClient().send(
    new UpdateCommand({
      TableName: tableName("accounts"),
      Key: userKey(accountId, userId),
      UpdateExpression: expression,
      ConditionExpression: ["attribute_exists(pk)", condition?.expression].filter(Boolean).join(" AND "),
      ExpressionAttributeNames: names,
      ...(Object.keys(values).length ? { ExpressionAttributeValues: values } : {}),
    }),
  );
}

/**
 * Accepts a TOTP time-step at most once: the write succeeds only when the step is newer than the
 * last accepted one, so a replayed (or concurrent duplicate) code fails.
 */
export async function claimTotpStep(accountId: string, userId: string, step: number): Promise<boolean> {
  return appliedUnlessConditionFails(
    updateUser(
      accountId,
      userId,
      { totpLastStep: step },
      {
        expression: "(attribute_not_exists(totpLastStep) OR totpLastStep < :step)",
        values: { ":step": step },
      },
    ),
  );
}

/** Removes one recovery code hash atomically; false when it was not there (unknown or used). */
export async function consumeRecoveryCode(accountId: string, userId: string, hash: string): Promise<boolean> {
  return appliedUnlessConditionFails(
    dynamoClient().send(
      new UpdateCommand({
        TableName: tableName("accounts"),
        Key: userKey(accountId, userId),
        UpdateExpression: "DELETE recoveryCodes :code",
        ConditionExpression: "contains(recoveryCodes, :hash)",
        ExpressionAttributeValues: { ":code": new Set([hash]), ":hash": hash },
      }),
    ),
  );
}
