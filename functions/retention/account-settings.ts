import { GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import { auditInput, type RequestMeta, userActor } from "../audit/context.ts";
import type { AuditLog } from "../audit/port.ts";
import { dynamoClient } from "../shared/aws.ts";
import { tableName } from "../shared/config.ts";
import { appliedUnlessConditionFails } from "../shared/dynamo.ts";
import { DomainError } from "../shared/problem.ts";
import {
  applyRetentionPatch,
  type RetentionBounds,
  type RetentionSettings,
  retentionBoundsSchema,
  retentionChangeDetails,
  retentionFields,
  retentionOfItem,
  retentionPatchSchema,
  retentionSettingsSchema,
  sameRetention,
  settingsErrors,
} from "./settings.ts";

/**
 * The owner's side of retention: GET/PATCH /v1/account/settings. The operator sets the bounds
 * (admin routes); the owner picks values inside them. Every change is audited with old and new values.
 */
export const accountSettingsView = z.object({
  retention: retentionSettingsSchema.describe(
    "Days kept: message bodies (0 = dropped once the message is sent or final), message metadata, verifications",
  ),
  retentionBounds: retentionBoundsSchema.describe("What this account may choose (set by the operator)"),
});
export type AccountSettingsView = z.infer<typeof accountSettingsView>;

export const accountSettingsPatch = z.strictObject({ retention: retentionPatchSchema });

export interface RetentionRecord {
  readonly retention: RetentionSettings;
  readonly retentionBounds: RetentionBounds;
  readonly closed: boolean;
}

export interface AccountSettingsStore {
  /** Consistent read; undefined for a missing account. */
  get(accountId: string): Promise<RetentionRecord | undefined>;
  /** Writes `next` only if the stored retention is still `expected` and the account is open. */
  replace(accountId: string, expected: RetentionSettings, next: RetentionSettings): Promise<boolean>;
}

export interface AccountSettingsDeps {
  readonly settings: AccountSettingsStore;
  readonly audit: AuditLog;
}

export interface SettingsCaller extends RequestMeta {
  readonly accountId: string;
  readonly userId: string;
}

export async function readAccountSettings(
  accountId: string,
  deps: Pick<AccountSettingsDeps, "settings">,
): Promise<AccountSettingsView> {
  const record = await deps.settings.get(accountId);
  if (!record) throw new DomainError("not-found", "No such account");
  return { retention: record.retention, retentionBounds: record.retentionBounds };
}

/**
 * Applies the owner's change within the operator's bounds (422 naming each field outside them).
 * The write is conditional on the values read, so two owners changing settings at once cannot
 * both be audited against the same "old" values: the loser re-reads and applies its change again.
 */
export async function changeAccountSettings(
  patch: z.infer<typeof accountSettingsPatch>,
  caller: SettingsCaller,
  deps: AccountSettingsDeps,
): Promise<AccountSettingsView> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const current = await deps.settings.get(caller.accountId);
    if (!current) throw new DomainError("not-found", "No such account");
    if (current.closed) throw new DomainError("conflict", "The account is closed; its settings are final");
    const next = applyRetentionPatch(current.retention, patch.retention);
    const errors = settingsErrors(next, current.retentionBounds);
    if (errors.length > 0) {
      throw new DomainError(
        "unprocessable-entity",
        errors.map((e) => `${e.field}: ${e.message}`).join("; "),
        {
          errors,
        },
      );
    }
    const view = { retention: next, retentionBounds: current.retentionBounds };
    if (sameRetention(current.retention, next)) return view;
    if (!(await deps.settings.replace(caller.accountId, current.retention, next))) continue;
    await deps.audit.record(
      auditInput(userActor(caller.userId), caller, {
        accountId: caller.accountId,
        action: "settings.retention.changed",
        target: { type: "account", id: caller.accountId },
        details: retentionChangeDetails(current.retention, next),
      }),
    );
    return view;
  }
  throw new DomainError("conflict", "The settings changed at the same time; read them and try again");
}

const accountKey = (accountId: string) => ({ pk: `ACC#${accountId}`, sk: "ACCOUNT" });

export const dynamoAccountSettingsStore: AccountSettingsStore = {
  async get(accountId) {
    const { Item } = await dynamoClient().send(
      new GetCommand({ TableName: tableName("accounts"), Key: accountKey(accountId), ConsistentRead: true }),
    );
    if (!Item) return undefined;
    return { ...retentionOfItem(Item), closed: Item.status === "closed" };
  },

  replace(accountId, expected, next) {
    const names: Record<string, string> = { "#status": "status", "#retention": "retention" };
    const values: Record<string, unknown> = {
      ":next": next,
      ":metadataDays": next.messageMetadataDays,
      ":closed": "closed",
    };
    // Stored per-field settings must still be the ones read; a legacy item (no map yet) must still
    // have none (its single retentionDays was mapped on read).
    const same = retentionFields.map((field, index) => {
      names[`#f${index}`] = field;
      values[`:old${index}`] = expected[field];
      return `#retention.#f${index} = :old${index}`;
    });
    return appliedUnlessConditionFails(
      dynamoClient().send(
        new UpdateCommand({
          TableName: tableName("accounts"),
          Key: accountKey(accountId),
          // retentionDays mirrors the metadata days for functions deployed before per-field retention.
          UpdateExpression: "SET #retention = :next, retentionDays = :metadataDays",
          ConditionExpression: `attribute_exists(pk) AND (attribute_not_exists(#status) OR #status <> :closed) AND (attribute_not_exists(#retention) OR (${same.join(" AND ")}))`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      ),
    );
  },
};
