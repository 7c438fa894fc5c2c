import { type AuditedAction, auditInput, operatorActor } from "../audit/context.ts";
import type { AuditEventInput } from "../audit/port.ts";
import { usagePlanUnavailable } from "../auth/api-keys.ts";
import { registerUsageIdentifier } from "../auth/usage-plan-keys.ts";
import type { Account, AccountLimits, AccountStatus } from "../identity/accounts.ts";
import { inviteOwnerAsOperator } from "../identity/invitations-service.ts";
import {
  type BoundsPatch,
  DEFAULT_BOUNDS,
  DEFAULT_RETENTION,
  longestRetentionDays,
  operatorRetention,
  type RetentionPatch,
  retentionChangeDetails,
  sameRetention,
} from "../retention/settings.ts";
import { newId } from "../shared/ids.ts";
import { logger } from "../shared/logger.ts";
import { DomainError, type FieldError } from "../shared/problem.ts";
import { OPERATOR_LOG } from "./operator-log.ts";
import type { AccountPage, AccountSettingsChange, AdminDeps, OperatorCall } from "./ports.ts";

/**
 * Account use cases of the operator plane. Every change is audited twice: in the affected
 * account's log (its owners see what the operator did) and in the operator log.
 */

export { OPERATOR_LOG } from "./operator-log.ts";

export async function recordOperatorAction(
  event: AuditedAction,
  call: OperatorCall,
  deps: Pick<AdminDeps, "audit">,
): Promise<void> {
  const details = { ...(event.details ?? {}), ...(call.reason ? { reason: call.reason } : {}) };
  const actor = operatorActor(call.arn);
  await Promise.all([
    deps.audit.record(auditInput(actor, call, { ...event, details })),
    deps.audit.record(
      auditInput(actor, call, {
        ...event,
        accountId: OPERATOR_LOG,
        details: { ...details, accountId: event.accountId },
      }),
    ),
  ]);
}

/** Audit details of limits set or changed ("none": removed). */
const limitDetails = (limits: AccountLimits | undefined): Record<string, string | number> =>
  limits === undefined ? {} : { "limits.messagesPerDay": limits.messagesPerDay ?? "none" };

export interface CreatedAccount {
  readonly accountId: string;
  readonly account: Account;
  readonly ownerInvitationId: string;
  /** The owner accepts it at POST /v1/account/invitations/accept (it is also emailed to them). */
  readonly ownerInvitationToken: string;
  readonly ownerInvitationExpiresAt: string;
}

export async function createAccount(
  input: {
    name: string;
    allowedCountries: readonly string[];
    retentionDays?: number;
    retention?: RetentionPatch;
    retentionBounds?: BoundsPatch;
    ownerEmail: string;
    limits?: AccountLimits;
  },
  call: OperatorCall,
  deps: AdminDeps,
): Promise<CreatedAccount> {
  const { retention, retentionBounds } = checkedRetention(
    operatorRetention({ retention: DEFAULT_RETENTION, retentionBounds: DEFAULT_BOUNDS }, input),
  );
  const account: Account = {
    accountId: newId("acc"),
    name: input.name,
    allowedCountries: [...input.allowedCountries],
    retention,
    retentionBounds,
    retentionDays: retention.messageMetadataDays,
    createdAt: deps.clock.now().toISOString(),
    status: "active",
    ...(input.limits ? { limits: { ...input.limits } } : {}),
  };
  await deps.accounts.create(account);
  try {
    // The account id is the usageIdentifierKey of its users' tokens: unregistered, they get 403 on AWS.
    await registerUsageIdentifier(deps.usagePlan, account.accountId);
  } catch (error) {
    logger.error("account not registered with the usage plan; removing it", {
      accountId: account.accountId,
      errorName: error instanceof Error ? error.name : "unknown",
    });
    await deps.accounts.remove(account.accountId);
    throw usagePlanUnavailable("account");
  }
  await recordOperatorAction(
    {
      accountId: account.accountId,
      action: "account.created",
      outcome: "success",
      target: { type: "account", id: account.accountId },
      details: {
        name: account.name,
        allowedCountries: account.allowedCountries.join(","),
        ...retentionAuditFields(account),
        ...limitDetails(input.limits),
      },
    },
    call,
    deps,
  );
  const invitation = await inviteOwnerAsOperator(
    { accountId: account.accountId, email: input.ownerEmail },
    { arn: call.arn },
    call,
    deps,
  );
  return {
    accountId: account.accountId,
    account,
    ownerInvitationId: invitation.invitationId,
    ownerInvitationToken: invitation.token,
    ownerInvitationExpiresAt: invitation.expiresAt,
  };
}

export const listAccounts = (
  page: { limit: number; cursor?: string },
  deps: Pick<AdminDeps, "accounts">,
): Promise<AccountPage> => deps.accounts.list(page);

export async function showAccount(accountId: string, deps: Pick<AdminDeps, "accounts">): Promise<Account> {
  const account = await deps.accounts.get(accountId);
  if (!account) throw new DomainError("not-found", `No account ${accountId}`);
  return account;
}

/** 422 naming each offending field (the bounds or the settings). */
function checkedRetention<T extends { errors: FieldError[] }>(result: T): Omit<T, "errors"> {
  const { errors, ...rest } = result;
  if (errors.length > 0) {
    throw new DomainError("unprocessable-entity", errors.map((e) => `${e.field}: ${e.message}`).join("; "), {
      errors,
    });
  }
  return rest;
}

const retentionAuditFields = (account: Pick<Account, "retention" | "retentionBounds">) => ({
  "retention.messageBodyDays": account.retention.messageBodyDays,
  "retention.messageMetadataDays": account.retention.messageMetadataDays,
  "retention.verificationDays": account.retention.verificationDays,
  "retentionBounds.messageBodyDays": `${account.retentionBounds.messageBodyDays.min}..${account.retentionBounds.messageBodyDays.max}`,
  "retentionBounds.messageMetadataDays": `${account.retentionBounds.messageMetadataDays.min}..${account.retentionBounds.messageMetadataDays.max}`,
  "retentionBounds.verificationDays": `${account.retentionBounds.verificationDays.min}..${account.retentionBounds.verificationDays.max}`,
});

export async function updateAccountSettings(
  accountId: string,
  input: Omit<AccountSettingsChange, "retention" | "retentionBounds"> & {
    retention?: RetentionPatch;
    retentionBounds?: BoundsPatch;
  },
  call: OperatorCall,
  deps: AdminDeps,
): Promise<Account> {
  const touchesRetention =
    input.retentionDays !== undefined || input.retention !== undefined || input.retentionBounds !== undefined;
  const current = touchesRetention ? await showAccount(accountId, deps) : undefined;
  const resolved = current ? checkedRetention(operatorRetention(current, input)) : undefined;
  const changes: AccountSettingsChange = {
    ...(input.name !== undefined ? { name: input.name } : {}),
    ...(input.allowedCountries !== undefined ? { allowedCountries: input.allowedCountries } : {}),
    ...(input.limits !== undefined ? { limits: input.limits } : {}),
    ...(resolved
      ? {
          retention: resolved.retention,
          retentionDays: resolved.retention.messageMetadataDays,
          retentionBounds: resolved.retentionBounds,
        }
      : {}),
  };
  const account = await deps.accounts.update(accountId, changes);
  const details: Record<string, string | number> = {};
  if (changes.name !== undefined) details.name = changes.name;
  if (changes.allowedCountries !== undefined) details.allowedCountries = changes.allowedCountries.join(",");
  if (resolved) Object.assign(details, retentionAuditFields(account));
  Object.assign(details, limitDetails(changes.limits));
  if (current && !sameRetention(current.retention, account.retention)) {
    // The owner's log shows the retention change like an owner's own PATCH does.
    await recordOperatorAction(
      {
        accountId,
        action: "settings.retention.changed",
        outcome: "success",
        target: { type: "account", id: accountId },
        details: retentionChangeDetails(current.retention, account.retention),
      },
      call,
      deps,
    );
  }
  await recordOperatorAction(
    {
      accountId,
      action: "account.updated",
      outcome: "success",
      target: { type: "account", id: accountId },
      details,
    },
    call,
    deps,
  );
  return account;
}

/**
 * Moves an account's status (only from `from`, conditionally) and records the operator action in
 * its audit log: the one shape behind suspend, reactivate and close.
 */
async function moveAccountStatus(
  accountId: string,
  move: {
    readonly to: AccountStatus;
    readonly from: readonly AccountStatus[];
    readonly action: string;
    readonly fields?: Readonly<Record<string, string>>;
    readonly details?: AuditEventInput["details"];
  },
  call: OperatorCall,
  deps: AdminDeps,
): Promise<Account> {
  const account = await deps.accounts.transition(accountId, move.to, move.from, move.fields);
  await recordOperatorAction(
    {
      accountId,
      action: move.action,
      outcome: "success",
      target: { type: "account", id: accountId },
      ...(move.details ? { details: move.details } : {}),
    },
    call,
    deps,
  );
  return account;
}

/**
 * Suspension is a status the checks read: the authorizer refuses the account's API keys (its result
 * cache: within 30 s) and every live-session check refuses its users' tokens at once.
 */
export const suspendAccount = (accountId: string, call: OperatorCall, deps: AdminDeps): Promise<Account> =>
  moveAccountStatus(
    accountId,
    {
      to: "suspended",
      from: ["active"],
      action: "account.suspended",
      fields: { suspendedAt: deps.clock.now().toISOString() },
    },
    call,
    deps,
  );

export const reactivateAccount = (accountId: string, call: OperatorCall, deps: AdminDeps): Promise<Account> =>
  moveAccountStatus(
    accountId,
    { to: "active", from: ["suspended"], action: "account.reactivated" },
    call,
    deps,
  );

const DAY_MS = 24 * 3600 * 1000;

/**
 * Closing refuses everything like a suspension, for good. Its data is deleted by the retention purge
 * once the longest of its retention periods has run from now (what it kept may still be asked for
 * until then, e.g. in a dispute over a bill).
 */
export async function closeAccount(accountId: string, call: OperatorCall, deps: AdminDeps): Promise<Account> {
  const current = await showAccount(accountId, deps);
  const now = deps.clock.now();
  const deleteDataAfter = new Date(
    now.getTime() + longestRetentionDays(current.retention) * DAY_MS,
  ).toISOString();
  return moveAccountStatus(
    accountId,
    {
      to: "closed",
      from: ["active", "suspended"],
      action: "account.closed",
      fields: { closedAt: now.toISOString(), deleteDataAfter },
      details: { deleteDataAfter },
    },
    call,
    deps,
  );
}
