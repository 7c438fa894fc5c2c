import type { AuditEventInput } from "../audit/port.ts";
import { usagePlanUnavailable } from "../auth/api-keys.ts";
import { registerUsageIdentifier } from "../auth/usage-plan-keys.ts";
import type { Account, AccountLimits, AccountStatus } from "../identity/accounts.ts";
import { inviteOwnerAsOperator } from "../identity/invitations-service.ts";
import { newId } from "../shared/ids.ts";
import { logger } from "../shared/logger.ts";
import { DomainError } from "../shared/problem.ts";
import type { AccountPage, AccountSettingsChange, AdminDeps, OperatorCall } from "./ports.ts";

/**
 * Account use cases of the operator plane. Every change is audited twice: in the affected
 * account's log (its owners see what the operator did) and in the operator log.
 */

/** The audit partition of the operator log (not a customer account: ids there are acc_…). */
export const OPERATOR_LOG = "operator";

export async function recordOperatorAction(
  event: Omit<AuditEventInput, "actor" | "sourceIp" | "requestId">,
  call: OperatorCall,
  deps: Pick<AdminDeps, "audit">,
): Promise<void> {
  const details = { ...(event.details ?? {}), ...(call.reason ? { reason: call.reason } : {}) };
  const common = {
    ...event,
    actor: { type: "operator" as const, id: call.arn },
    sourceIp: call.sourceIp,
    requestId: call.requestId,
    details,
  };
  await Promise.all([
    deps.audit.record(common),
    deps.audit.record({
      ...common,
      accountId: OPERATOR_LOG,
      details: { ...details, accountId: event.accountId },
    }),
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
    retentionDays: number;
    ownerEmail: string;
    limits?: AccountLimits;
  },
  call: OperatorCall,
  deps: AdminDeps,
): Promise<CreatedAccount> {
  const account: Account = {
    accountId: newId("acc"),
    name: input.name,
    allowedCountries: [...input.allowedCountries],
    retentionDays: input.retentionDays,
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
        retentionDays: account.retentionDays,
        ...limitDetails(input.limits),
      },
    },
    call,
    deps,
  );
  const invitation = await inviteOwnerAsOperator(
    { accountId: account.accountId, email: input.ownerEmail },
    { arn: call.arn },
    { sourceIp: call.sourceIp, requestId: call.requestId },
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

export async function updateAccountSettings(
  accountId: string,
  changes: AccountSettingsChange,
  call: OperatorCall,
  deps: AdminDeps,
): Promise<Account> {
  const account = await deps.accounts.update(accountId, changes);
  const details: Record<string, string | number> = {};
  if (changes.name !== undefined) details.name = changes.name;
  if (changes.allowedCountries !== undefined) details.allowedCountries = changes.allowedCountries.join(",");
  if (changes.retentionDays !== undefined) details.retentionDays = changes.retentionDays;
  Object.assign(details, limitDetails(changes.limits));
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

/** Closing refuses everything like a suspension, for good; data may be deleted after retention. */
export async function closeAccount(accountId: string, call: OperatorCall, deps: AdminDeps): Promise<Account> {
  const current = await showAccount(accountId, deps);
  const now = deps.clock.now();
  const deleteDataAfter = new Date(now.getTime() + current.retentionDays * DAY_MS).toISOString();
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
