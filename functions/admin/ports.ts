import type { AuditLog } from "../audit/port.ts";
import type { UsagePlanKeys } from "../auth/usage-plan-keys.ts";
import type { Account, AccountLimits, AccountStatus } from "../identity/accounts.ts";
import type { InvitationDeps } from "../identity/invitations-service.ts";
import type { RetentionBounds, RetentionSettings } from "../retention/settings.ts";
import type { Clock } from "../shared/clock.ts";

/** Who did an operator action, from API Gateway's SigV4-verified identity, and why. */
export interface OperatorCall {
  /** IAM principal ARN (requestContext.identity.userArn). */
  readonly arn: string;
  readonly sourceIp: string;
  readonly requestId: string;
  readonly userAgent?: string;
  readonly reason?: string;
}

export interface AccountPage {
  readonly accounts: readonly Account[];
  readonly nextCursor?: string;
}

export interface AccountSettingsChange {
  readonly name?: string;
  readonly allowedCountries?: readonly string[];
  /** Written together (retentionDays mirrors retention.messageMetadataDays). */
  readonly retention?: RetentionSettings;
  readonly retentionDays?: number;
  readonly retentionBounds?: RetentionBounds;
  /** Replaces the account's limits as a whole ({} removes them all). */
  readonly limits?: AccountLimits;
}

/** Account items as the operator plane reads and changes them. */
export interface AccountStore {
  /** Fails (conditional write) if the id exists. */
  create(account: Account): Promise<void>;
  /** Removes an account item that was never announced (rollback of a failed create). */
  remove(accountId: string): Promise<void>;
  get(accountId: string): Promise<Account | undefined>;
  list(page: { limit: number; cursor?: string }): Promise<AccountPage>;
  /** 404 for a missing account, 409 for a closed one. */
  update(accountId: string, changes: AccountSettingsChange): Promise<Account>;
  /** Moves the status only from one of `from` (conditional write); 409 otherwise. */
  transition(
    accountId: string,
    to: AccountStatus,
    from: readonly AccountStatus[],
    extra?: Readonly<Record<string, string>>,
  ): Promise<Account>;
}

export interface AdminDeps extends InvitationDeps {
  readonly clock: Clock;
  readonly audit: AuditLog;
  readonly accounts: AccountStore;
  readonly usagePlan: UsagePlanKeys;
}
