import { randomBytes } from "node:crypto";
import type { AuditLog } from "../audit/port.ts";
import type { Clock } from "../shared/clock.ts";
import { epochSeconds } from "../shared/clock.ts";
import { isTransactionCancelled } from "../shared/dynamo.ts";
import { newId } from "../shared/ids.ts";
import type { Role } from "../shared/principal.ts";
import { DomainError } from "../shared/problem.ts";
import type { RateLimiter } from "../shared/rate-limit.ts";
import type { Hasher } from "../shared/secrets.ts";
import { forgetSession } from "./access-token.ts";
import { normalizeEmail } from "./accounts.ts";
import {
  assertIpRate,
  backoffRules,
  type FailureTracker,
  ipRateRules,
  reserveAttempt,
} from "./brute-force.ts";
import {
  acceptInvitationWrite,
  findInvitation,
  getPendingInvitation,
  INVITATION_TTL_SECONDS,
  putInvitation,
} from "./invitations-store.ts";
import type { UserPrincipal } from "./live-principal.ts";
import { checkPassword } from "./password-policy.ts";
import { hashPassword } from "./passwords.ts";
import { revokeUserSessions } from "./sessions-store.ts";
import { unlockUser } from "./unlock.ts";
import {
  getAccount,
  getUser,
  listUsers,
  toUserView,
  type UserStatus,
  type UserView,
  updateUser,
} from "./users-store.ts";

/** Users of an account: invitations, role changes, disabling and unlocking. */
export interface UsersDeps {
  readonly clock: Clock;
  readonly audit: AuditLog;
  readonly hasher: Hasher;
  readonly limiter: RateLimiter;
  readonly failures: FailureTracker;
}

export interface RequestMeta {
  readonly sourceIp: string;
  readonly requestId: string;
}

const actorOf = (principal: UserPrincipal) => ({ type: "user" as const, id: principal.principalId });

/** Only an owner may create, change or remove owners. */
function assertMayAssign(actor: UserPrincipal, role: Role): void {
  if (role === "owner" && actor.role !== "owner") {
    throw new DomainError("forbidden", "Only an owner can grant the owner role");
  }
}

export async function listAccountUsers(principal: UserPrincipal): Promise<{ users: UserView[] }> {
  const users = await listUsers(principal.accountId);
  return { users: users.map(toUserView) };
}

const INVITATION_TOKEN = /^tgi_[A-Za-z0-9_-]{43}$/;

export async function inviteUser(
  input: { email: string; role: Role },
  principal: UserPrincipal,
  meta: RequestMeta,
  deps: UsersDeps,
): Promise<{ invitationId: string; email: string; role: Role; token: string; expiresAt: string }> {
  assertMayAssign(principal, input.role);
  const email = normalizeEmail(input.email);
  const now = deps.clock.now();
  const token = `tgi_${randomBytes(32).toString("base64url")}`;
  const previous = await getPendingInvitation(principal.accountId, email);
  const invitation = {
    invitationId: newId("inv"),
    accountId: principal.accountId,
    email,
    role: input.role,
    invitedBy: principal.principalId,
    tokenHash: await deps.hasher.hmac("invitation", token),
    createdAt: now.toISOString(),
    expiresAt: epochSeconds(now) + INVITATION_TTL_SECONDS,
  };
  try {
    await putInvitation(invitation, previous);
  } catch (error) {
    if (isTransactionCancelled(error)) {
      throw new DomainError("conflict", "Another invitation for this email was sent at the same time; retry");
    }
    throw error;
  }
  await deps.audit.record({
    accountId: principal.accountId,
    action: "invitation.sent",
    actor: actorOf(principal),
    outcome: "success",
    target: { type: "invitation", id: invitation.invitationId },
    sourceIp: meta.sourceIp,
    requestId: meta.requestId,
    details: { role: input.role, ...(previous ? { replaces: previous.invitationId } : {}) },
  });
  return {
    invitationId: invitation.invitationId,
    email,
    role: input.role,
    token,
    expiresAt: new Date(invitation.expiresAt * 1000).toISOString(),
  };
}

const invalidInvitation = () => new DomainError("unauthorized", "The invitation is invalid, used or expired");

export async function acceptInvitation(
  input: { token: string; password: string },
  meta: RequestMeta,
  deps: UsersDeps,
): Promise<{ userId: string; accountId: string; email: string; role: Role }> {
  await assertIpRate(deps.limiter, ipRateRules.invitation, meta.sourceIp);
  // Reserved as a failure before the token is looked up; a valid token gives the slot back.
  await reserveAttempt(deps.failures, [[backoffRules.invitationIp, meta.sourceIp]]);
  const invitation = INVITATION_TOKEN.test(input.token)
    ? await findInvitation(await deps.hasher.hmac("invitation", input.token), deps.clock.now())
    : undefined;
  if (!invitation) throw invalidInvitation();
  await deps.failures.release(backoffRules.invitationIp, meta.sourceIp);
  const account = await getAccount(invitation.accountId);
  const verdict = checkPassword(input.password, {
    email: invitation.email,
    ...(account ? { accountName: account.name } : {}),
    hasSecondFactor: false,
  });
  if (!verdict.ok) throw weakPassword(verdict.reasons, verdict.feedback);
  const userId = newId("usr");
  const outcome = await acceptInvitationWrite(invitation, {
    userId,
    passwordHash: await hashPassword(input.password),
    createdAt: deps.clock.now().toISOString(),
  });
  if (outcome === "email-taken") throw new DomainError("conflict", "A user with this email already exists");
  if (outcome === "gone") throw invalidInvitation();
  await deps.audit.record({
    accountId: invitation.accountId,
    action: "invitation.accepted",
    actor: { type: "user", id: userId },
    outcome: "success",
    target: { type: "invitation", id: invitation.invitationId },
    sourceIp: meta.sourceIp,
    requestId: meta.requestId,
    details: { role: invitation.role },
  });
  return { userId, accountId: invitation.accountId, email: invitation.email, role: invitation.role };
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
    deps.audit.record({
      accountId: principal.accountId,
      action,
      actor: actorOf(principal),
      outcome: "success",
      target: { type: "user", id: target.userId },
      sourceIp: meta.sourceIp,
      requestId: meta.requestId,
      details,
    });
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
      await unlockUser(target, actorOf(principal), meta, deps);
    } else {
      await updateUser(target.accountId, target.userId, { status: "active" });
      await audit("user.enabled", { from: target.status });
    }
  }
  const updated = await getUser(target.accountId, target.userId);
  if (!updated) throw new DomainError("not-found", "No such user in this account");
  return toUserView(updated);
}
