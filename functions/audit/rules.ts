/**
 * THE table of audit rules: every action a capability records, its retention class and what its
 * details hold. docs/audit.md lists the same rows (test/audit/audit-rules-cover-actions.test.ts keeps
 * both in step with the actions recorded in functions/). An action ending in ".*" is a family: it
 * matches every action under that prefix; an exact rule wins over a family.
 *
 * persistent: security-relevant changes, kept for the life of the account.
 * short: high-volume operational events, kept 7 days (DynamoDB TTL).
 */
import type { AuditClass } from "./port.ts";

export interface AuditRule {
  readonly action: string;
  readonly class: AuditClass;
  /** What `details` holds for this action (never secrets, codes, tokens or bodies). */
  readonly details: string;
}

export const auditRules: readonly AuditRule[] = [
  {
    action: "auth.login",
    class: "persistent",
    details: "method (password, totp, sms, recovery); target: the session",
  },
  { action: "auth.login.failed", class: "short", details: "reason (no password or code)" },
  { action: "auth.logout", class: "persistent", details: "none" },
  { action: "auth.reauthenticated", class: "persistent", details: "method" },
  { action: "user.password.changed", class: "persistent", details: "otherSessionsEnded (count)" },
  { action: "user.role.changed", class: "persistent", details: "from, to (roles)" },
  { action: "user.disabled", class: "persistent", details: "sessionsRevoked (count)" },
  { action: "user.enabled", class: "persistent", details: "from (previous status)" },
  { action: "user.unlocked", class: "persistent", details: "wasLocked; by an operator: accountId, reason" },
  { action: "mfa.enrolled", class: "persistent", details: "method" },
  { action: "mfa.removed", class: "persistent", details: "method" },
  { action: "mfa.recovery-codes.regenerated", class: "persistent", details: "method (recovery)" },
  { action: "mfa.reset", class: "persistent", details: "hadTotp, hadSms, reason (operator)" },
  { action: "apikey.created", class: "persistent", details: "prefix (the key's public prefix), scopes" },
  { action: "apikey.revoked", class: "persistent", details: "none" },
  { action: "apikey.rotated", class: "persistent", details: "replacedBy (the new key id)" },
  { action: "invitation.sent", class: "persistent", details: "email, role, replaces (invitation id)" },
  { action: "invitation.revoked", class: "persistent", details: "email, role" },
  { action: "invitation.refused", class: "persistent", details: "email, reason" },
  { action: "invitation.accepted", class: "persistent", details: "email, role" },
  {
    action: "account.created",
    class: "persistent",
    details: "name, allowedCountries, retentionDays, reason",
  },
  {
    action: "account.updated",
    class: "persistent",
    details: "the changed settings (name, allowedCountries, retentionDays), reason",
  },
  { action: "account.suspended", class: "persistent", details: "from (status), reason" },
  { action: "account.reactivated", class: "persistent", details: "from (status), reason" },
  { action: "account.closed", class: "persistent", details: "from (status), deleteDataAfter, reason" },
  { action: "incident.posted", class: "persistent", details: "status, impact" },
  { action: "incident.updated", class: "persistent", details: "status, impact" },
  { action: "incident.resolved", class: "persistent", details: "status, impact" },
  { action: "webhook.created", class: "persistent", details: "events (comma-separated)" },
  { action: "webhook.updated", class: "persistent", details: "fields (comma-separated names)" },
  { action: "webhook.deleted", class: "persistent", details: "none" },
  { action: "webhook.secret.rotated", class: "persistent", details: "previousValidUntil" },
  { action: "webhook.account.secret.rotated", class: "persistent", details: "previousValidUntil" },
  { action: "webhook.delivery.replayed", class: "persistent", details: "eventId" },
  { action: "webhook.disabled", class: "persistent", details: "reason" },
  { action: "audit.exported", class: "persistent", details: "from, to, events (count)" },
  {
    action: "auth.refresh.reused",
    class: "persistent",
    details: "a used refresh token came back: the session is revoked (target: the session)",
  },
  {
    action: "settings.retention.changed",
    class: "persistent",
    details: "old and new retention days per field",
  },
  {
    action: "account.data.deleted",
    class: "persistent",
    details: "deleteDataAfter, identityItemsDeleted (by the retention purge)",
  },
  {
    action: "privacy.export",
    class: "persistent",
    details: "to (masked number), messages, verifications (counts)",
  },
  { action: "privacy.erasure.requested", class: "persistent", details: "to (masked number)" },
  { action: "privacy.erasure.completed", class: "persistent", details: "counts per data class" },
  {
    action: "incident.exposure.queried",
    class: "persistent",
    details: "from, to, accountId (of the principal in scope)",
  },
  { action: "carrier.added", class: "persistent", details: "protocol, prefixes, reason (never secrets)" },
  { action: "carrier.updated", class: "persistent", details: "changed (setting names), reason" },
  { action: "carrier.disabled", class: "persistent", details: "reason" },
  {
    action: "deadletters.redriven",
    class: "persistent",
    details: "source (dlq or parked), count, failed, remaining, reason (operator log only)",
  },
  {
    action: "deadletters.discarded",
    class: "persistent",
    details: "source (dlq or parked), count, failed, remaining, reason (operator log only)",
  },
  { action: "carrier.test-sent", class: "persistent", details: "to (masked), messageId, reason" },
  {
    action: "verify.*",
    class: "short",
    details: "reason and the guard's figures (country, counts; never the number)",
  },
  { action: "message.*", class: "short", details: "message facts (masked number, status)" },
  { action: "ratelimit.*", class: "short", details: "limit name, window" },
];

const FAMILY_SUFFIX = ".*";

/** The rule for an action: the exact one, else the longest family that contains it. */
export function auditRuleFor(action: string): AuditRule | undefined {
  const exact = auditRules.find((rule) => rule.action === action);
  if (exact) return exact;
  return auditRules
    .filter((rule) => rule.action.endsWith(FAMILY_SUFFIX))
    .filter((rule) => action.startsWith(rule.action.slice(0, -1)))
    .sort((a, b) => b.action.length - a.action.length)[0];
}

/**
 * The retention class of an action. An action without a rule is kept (persistent): losing a
 * security event is worse than keeping an operational one; the rules test names the missing rule.
 */
export const auditClassFor = (action: string): AuditClass => auditRuleFor(action)?.class ?? "persistent";
