import { auditInput, type RequestMeta, userActor } from "../audit/context.ts";
import type { AuditLog } from "../audit/port.ts";
import type { Clock } from "../shared/clock.ts";
import type { Role } from "../shared/principal.ts";
import { DomainError } from "../shared/problem.ts";
import type { RateLimiter } from "../shared/rate-limit.ts";
import type { Hasher } from "../shared/secrets.ts";
import { forgetSession } from "./access-token.ts";
import type { FailureTracker } from "./brute-force.ts";
import type { UserPrincipal } from "./live-principal.ts";
import { revokeUserSessions } from "./sessions-store.ts";
import { unlockUser } from "./unlock.ts";
import { getUser, listUsers, toUserView, type UserStatus, type UserView, updateUser } from "./users-store.ts";

/** Users of an account: role changes, disabling and unlocking (invitations: invitations-service.ts). */
export interface UsersDeps {
  readonly clock: Clock;
  readonly audit: AuditLog;
  readonly hasher: Hasher;
  readonly limiter: RateLimiter;
  readonly failures: FailureTracker;
}

/** Only an owner may create, change or remove owners (or invite one, or revoke such an invitation). */
export function assertMayAssign(actor: UserPrincipal, role: Role): void {
  if (role === "owner" && actor.role !== "owner") {
    throw new DomainError("forbidden", "Only an owner can grant the owner role");
  }
}

export async function listAccountUsers(principal: UserPrincipal): Promise<{ users: UserView[] }> {
  const users = await listUsers(principal.accountId);
  return { users: users.map(toUserView) };
}

export function weakPassword(reasons: readonly string[], feedback: unknown): DomainError {
  return new DomainError("validation-failed", `password ${reasons.join("; ")}`, {
    errors: reasons.map((reason) => ({ field: "password", message: reason })),
    passwordFeedback: feedback,
  });
}

async function activeOwners(accountId: string): Promise<number> {
  const users = await listUsers(accountId);
  return users.filter((user) => user.role === "owner" && user.status === "active").length;
}

export async function changeUser(
  input: { userId: string; role?: Role | undefined; status?: Exclude<UserStatus, "locked"> | undefined },
  principal: UserPrincipal,
  meta: RequestMeta,
  deps: UsersDeps,
): Promise<UserView> {
  const target = await getUser(principal.accountId, input.userId);
  if (!target) throw new DomainError("not-found", "No such user in this account");
  if (target.userId === principal.principalId) {
    throw new DomainError(
      "forbidden",
      "You cannot change your own role or status; ask another administrator",
    );
  }
  if (target.role === "owner" && principal.role !== "owner") {
    throw new DomainError("forbidden", "Only an owner can change another owner");
  }
  if (input.role) assertMayAssign(principal, input.role);
  const demotesOwner = target.role === "owner" && input.role !== undefined && input.role !== "owner";
  const disablesOwner = target.role === "owner" && input.status === "disabled";
  if ((demotesOwner || disablesOwner) && (await activeOwners(principal.accountId)) <= 1) {
    throw new DomainError("conflict", "An account needs at least one active owner");
  }
  const audit = (action: string, details: Record<string, string>) =>
    deps.audit.record(
      auditInput(userActor(principal.principalId), meta, {
        accountId: principal.accountId,
        action,
        target: { type: "user", id: target.userId },
        details,
      }),
    );
  if (input.role && input.role !== target.role) {
    await updateUser(target.accountId, target.userId, { role: input.role });
    await audit("user.role.changed", { from: target.role, to: input.role });
  }
  if (input.status && input.status !== target.status) {
    if (input.status === "disabled") {
      await updateUser(target.accountId, target.userId, { status: "disabled" });
      const revoked = await revokeUserSessions(target.accountId, target.userId, "user-disabled");
      // This container forgets them now; others within their cache time (see access-token.ts).
      for (const sessionId of revoked) forgetSession(sessionId);
      await audit("user.disabled", { sessionsRevoked: String(revoked.length) });
    } else if (target.status === "locked") {
      // The admin reset of a user locked by an earlier version (and of every guessing back-off).
      await unlockUser(target, userActor(principal.principalId), meta, deps);
    } else {
      await updateUser(target.accountId, target.userId, { status: "active" });
      await audit("user.enabled", { from: target.status });
    }
  }
  const updated = await getUser(target.accountId, target.userId);
  if (!updated) throw new DomainError("not-found", "No such user in this account");
  return toUserView(updated);
}
