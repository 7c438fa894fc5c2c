import { randomBytes } from "node:crypto";
import { envNames } from "../../lib/catalog/env.ts";
import { anonymousActor, auditInput, operatorActor, type RequestMeta, userActor } from "../audit/context.ts";
import type { AuditLog } from "../audit/port.ts";
import type { Clock } from "../shared/clock.ts";
import { epochSeconds } from "../shared/clock.ts";
import { isTransactionCancelled } from "../shared/dynamo.ts";
import { newId } from "../shared/ids.ts";
import { logger } from "../shared/logger.ts";
import type { Mailer } from "../shared/mail.ts";
import { permissions } from "../shared/policy.ts";
import type { Role } from "../shared/principal.ts";
import { DomainError } from "../shared/problem.ts";
import type { RateLimiter } from "../shared/rate-limit.ts";
import type { Hasher } from "../shared/secrets.ts";
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
  deleteInvitation,
  findInvitation,
  getPendingInvitation,
  INVITATION_TTL_SECONDS,
  type Invitation,
  listInvitations,
  putInvitation,
} from "./invitations-store.ts";
import type { UserPrincipal } from "./live-principal.ts";
import { checkPassword } from "./password-policy.ts";
import { hashPassword } from "./passwords.ts";
import { assertMayAssign, weakPassword } from "./users-service.ts";
import { accountIsActive, getAccount, getUser } from "./users-store.ts";

/**
 * Invitations: an owner or admin invites an email with a role; the token goes ONLY to that address
 * (SES on AWS, the local mail outbox offline), never back to the inviter, so nobody can claim an
 * address whose owner never saw the invitation. Inviting looks the same whether or not the address
 * already has a Textgate user in any tenant (nothing is looked up), so it reveals no other
 * tenant's users. Acceptance re-checks that the inviter still may grant the role (an operator's
 * owner invitation: that the account is still active).
 */
export interface InvitationDeps {
  readonly clock: Clock;
  readonly audit: AuditLog;
  readonly hasher: Hasher;
  readonly limiter: RateLimiter;
  readonly failures: FailureTracker;
  readonly mail: Mailer;
}

export interface InvitationView {
  readonly invitationId: string;
  readonly email: string;
  readonly role: Role;
  readonly invitedBy: string;
  readonly createdAt: string;
  readonly expiresAt: string;
}

const toView = (invitation: Invitation): InvitationView => ({
  invitationId: invitation.invitationId,
  email: invitation.email,
  role: invitation.role,
  invitedBy: invitation.invitedBy,
  createdAt: invitation.createdAt,
  expiresAt: new Date(invitation.expiresAt * 1000).toISOString(),
});

const INVITATION_TOKEN = /^tgi_[A-Za-z0-9_-]{43}$/;

/** The acceptance link: the page set at deploy (context invitationUrl) with ?token=. */
function invitationLink(token: string, env: NodeJS.ProcessEnv = process.env): string {
  const page = env[envNames.invitationUrl];
  if (!page) {
    throw new DomainError(
      "service-unavailable",
      "Invitations are not configured for this deployment (deploy with -c invitationUrl=<page>)",
    );
  }
  const url = new URL(page);
  url.searchParams.set("token", token);
  return url.toString();
}

async function mailInvitation(invitation: Invitation, token: string, deps: InvitationDeps): Promise<void> {
  const account = await getAccount(invitation.accountId);
  const expires = new Date(invitation.expiresAt * 1000).toISOString();
  await deps.mail.send({
    to: invitation.email,
    subject: `You are invited to ${account?.name ?? "a Textgate account"} on Textgate`,
    text: [
      `You are invited to join the Textgate account "${account?.name ?? invitation.accountId}" as ${invitation.role}.`,
      "",
      "Accept the invitation and choose a password:",
      invitationLink(token),
      "",
      `The link works once and expires at ${expires}. If you did not expect this email, ignore it.`,
    ].join("\n"),
  });
}

/** Invitations an operator sends (the first owner of a new account) name the operator this way. */
export const OPERATOR_INVITER_PREFIX = "operator:";

/**
 * Stores a fresh invitation (replacing any pending one for the email) and emails its token; an
 * invitation whose email failed is deleted again so nothing unreceived stays claimable.
 */
async function issueInvitation(
  input: { accountId: string; email: string; role: Role; invitedBy: string },
  deps: InvitationDeps,
): Promise<{ invitation: Invitation; token: string; previous: Invitation | undefined }> {
  const now = deps.clock.now();
  const token = `tgi_${randomBytes(32).toString("base64url")}`;
  const previous = await getPendingInvitation(input.accountId, input.email);
  const invitation: Invitation = {
    invitationId: newId("inv"),
    accountId: input.accountId,
    email: input.email,
    role: input.role,
    invitedBy: input.invitedBy,
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
  try {
    await mailInvitation(invitation, token, deps);
  } catch (error) {
    // An invitation nobody received must not stay claimable; the inviter can simply retry.
    await deleteInvitation(invitation);
    if (error instanceof DomainError) throw error;
    // The error's name only: SES messages can quote the recipient's address (PII).
    logger.error("invitation email failed", {
      invitationId: invitation.invitationId,
      errorName: error instanceof Error ? error.name : typeof error,
    });
    throw new DomainError("service-unavailable", "The invitation email could not be sent; try again");
  }
  return { invitation, token, previous };
}

/**
 * The owner invitation of an account an operator created. The token is emailed like any other and
 * also returned: the operator onboarding a customer may hand it over directly (issue 11).
 */
export async function inviteOwnerAsOperator(
  input: { accountId: string; email: string },
  operator: { arn: string },
  meta: RequestMeta,
  deps: InvitationDeps,
): Promise<{ invitationId: string; token: string; expiresAt: string }> {
  const email = normalizeEmail(input.email);
  const { invitation, token } = await issueInvitation(
    {
      accountId: input.accountId,
      email,
      role: "owner",
      invitedBy: `${OPERATOR_INVITER_PREFIX}${operator.arn}`,
    },
    deps,
  );
  await deps.audit.record(
    auditInput(operatorActor(operator.arn), meta, {
      accountId: input.accountId,
      action: "invitation.sent",
      target: { type: "invitation", id: invitation.invitationId },
      details: { email, role: "owner" },
    }),
  );
  return { invitationId: invitation.invitationId, token, expiresAt: toView(invitation).expiresAt };
}

export async function inviteUser(
  input: { email: string; role: Role },
  principal: UserPrincipal,
  meta: RequestMeta,
  deps: InvitationDeps,
): Promise<{ invitationId: string; email: string; role: Role; expiresAt: string }> {
  assertMayAssign(principal, input.role);
  const email = normalizeEmail(input.email);
  const { invitation, previous } = await issueInvitation(
    { accountId: principal.accountId, email, role: input.role, invitedBy: principal.principalId },
    deps,
  );
  await deps.audit.record(
    auditInput(userActor(principal.principalId), meta, {
      accountId: principal.accountId,
      action: "invitation.sent",
      target: { type: "invitation", id: invitation.invitationId },
      details: { email, role: input.role, ...(previous ? { replaces: previous.invitationId } : {}) },
    }),
  );
  const { invitationId, expiresAt } = toView(invitation);
  return { invitationId, email, role: input.role, expiresAt };
}

export async function listAccountInvitations(
  principal: UserPrincipal,
  deps: Pick<InvitationDeps, "clock">,
): Promise<{ invitations: InvitationView[] }> {
  const invitations = await listInvitations(principal.accountId, deps.clock.now());
  return { invitations: invitations.map(toView) };
}

export async function revokeInvitation(
  invitationId: string,
  principal: UserPrincipal,
  meta: RequestMeta,
  deps: Pick<InvitationDeps, "clock" | "audit">,
): Promise<void> {
  const invitations = await listInvitations(principal.accountId, deps.clock.now());
  const invitation = invitations.find((candidate) => candidate.invitationId === invitationId);
  if (!invitation) throw new DomainError("not-found", "No such pending invitation in this account");
  assertMayAssign(principal, invitation.role);
  if ((await deleteInvitation(invitation)) === "gone") {
    throw new DomainError("not-found", "No such pending invitation in this account");
  }
  await deps.audit.record(
    auditInput(userActor(principal.principalId), meta, {
      accountId: principal.accountId,
      action: "invitation.revoked",
      target: { type: "invitation", id: invitation.invitationId },
      details: { email: invitation.email, role: invitation.role },
    }),
  );
}

/**
 * Whether the inviter could still send this invitation now: an active (or merely locked, which
 * attackers can cause) user whose role still manages users, and an owner for owner invitations.
 */
async function inviterStillEntitled(invitation: Invitation): Promise<boolean> {
  // No invitation into a suspended or closed account is honoured, whoever sent it.
  if (!(await accountIsActive(invitation.accountId))) return false;
  // Operators hold no user in the account: their invitation's own rule is the account being active.
  if (invitation.invitedBy.startsWith(OPERATOR_INVITER_PREFIX)) return true;
  const inviter = await getUser(invitation.accountId, invitation.invitedBy);
  if (!inviter || inviter.status === "disabled") return false;
  const managers: readonly Role[] = permissions["users:manage"].roles;
  if (!managers.includes(inviter.role)) return false;
  return invitation.role !== "owner" || inviter.role === "owner";
}

const invalidInvitation = () => new DomainError("unauthorized", "The invitation is invalid, used or expired");

async function refuseForInviter(invitation: Invitation, meta: RequestMeta, deps: InvitationDeps) {
  await deleteInvitation(invitation);
  await deps.audit.record(
    auditInput(anonymousActor(meta.sourceIp), meta, {
      accountId: invitation.accountId,
      action: "invitation.refused",
      outcome: "blocked",
      target: { type: "invitation", id: invitation.invitationId },
      details: { email: invitation.email, reason: "inviter-no-longer-entitled" },
    }),
  );
  return invalidInvitation();
}

/**
 * Only the mailbox owner holds the token, so telling them that their address already has a
 * Textgate sign-in (one address, one account) reveals nothing they do not know; the invitation
 * stays as it is, and the inviter can invite another address.
 */
export async function acceptInvitation(
  input: { token: string; password: string },
  meta: RequestMeta,
  deps: InvitationDeps,
): Promise<{ userId: string; accountId: string; email: string; role: Role }> {
  await assertIpRate(deps.limiter, ipRateRules.invitation, meta.sourceIp);
  // Reserved as a failure before the token is looked up; a valid token gives the slot back.
  await reserveAttempt(deps.failures, [[backoffRules.invitationIp, meta.sourceIp]]);
  const invitation = INVITATION_TOKEN.test(input.token)
    ? await findInvitation(await deps.hasher.hmac("invitation", input.token), deps.clock.now())
    : undefined;
  if (!invitation) throw invalidInvitation();
  await deps.failures.release(backoffRules.invitationIp, meta.sourceIp);
  if (!(await inviterStillEntitled(invitation))) throw await refuseForInviter(invitation, meta, deps);
  const account = await getAccount(invitation.accountId);
  const verdict = await checkPassword(input.password, {
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
  if (outcome === "email-taken") {
    throw new DomainError(
      "conflict",
      "This email address already signs in to a Textgate account; ask the inviter to invite another address",
    );
  }
  if (outcome === "gone") throw invalidInvitation();
  await deps.audit.record(
    auditInput(userActor(userId), meta, {
      accountId: invitation.accountId,
      action: "invitation.accepted",
      target: { type: "invitation", id: invitation.invitationId },
      details: { email: invitation.email, role: invitation.role },
    }),
  );
  return { userId, accountId: invitation.accountId, email: invitation.email, role: invitation.role };
}
