import type { AuditLog } from "../audit/port.ts";
import { bodyNoLongerNeeded } from "../messages/status.ts";
import { type Clock, epochSeconds } from "../shared/clock.ts";
import { DAY_SECONDS, type RetentionSettings } from "./settings.ts";

/**
 * The scheduled retention purge: the third enforcement of retention, next to the items' TTL and the
 * read filters. DynamoDB's TTL deletes late (up to 48 h) and knows only the expiry written when the
 * item was, so the purge deletes explicitly, and applies each account's CURRENT settings: shortening
 * retention reaches data written under the old one. It also deletes a closed account's data once its
 * deleteDataAfter has passed.
 *
 * Why a scan: retention is decided per item from its account's current settings, so a change of
 * settings concerns every item of that account, whatever its age; an index (accountId + createdAt on
 * messages and verifications) would make every message and verification write pay an extra index
 * write (writes cost five times reads) for a job that runs hourly. The scan reads each item once per
 * cycle: about table size / 4 KB × 0.5 read units (e.g. 10 M messages of 1 KB ≈ 1.25 M read units,
 * cents on demand), spread over runs by a per-run budget and a resume cursor, so one run never
 * outlasts its timeout and a large table is covered over several runs.
 *
 * A cycle walks the phases in order: messages → verifications → accounts. The accounts phase deletes
 * the identity data of closed accounts whose deadline had passed when the cycle STARTED, so the
 * message and verification phases of that same cycle have already deleted everything else of theirs.
 */
export const purgePhases = ["messages", "verifications", "accounts"] as const;
export type PurgePhase = (typeof purgePhases)[number];

export type ScanKey = Record<string, unknown>;

export interface PurgeCursor {
  readonly phase: PurgePhase;
  readonly startKey?: ScanKey;
  /** ISO time the current cycle began (its messages phase started). */
  readonly cycleStartedAt: string;
}

export interface AccountPolicy {
  readonly retention: RetentionSettings;
  /** Closed with its deleteDataAfter in the past (at the time asked): everything of it goes. */
  readonly eraseBefore?: string;
  readonly dataDeletedAt?: string;
}

export interface PurgeStore {
  loadCursor(): Promise<PurgeCursor | undefined>;
  saveCursor(cursor: PurgeCursor): Promise<void>;
  scanPage(
    phase: PurgePhase,
    startKey: ScanKey | undefined,
    limit: number,
  ): Promise<{ items: readonly Record<string, unknown>[]; nextKey?: ScanKey }>;
  /** Deletes one item of the phase's table by its key attributes. */
  deleteItem(phase: "messages" | "verifications", item: Record<string, unknown>): Promise<void>;
  /** REMOVEs a message's body, only while its status is sent or final (conditional). */
  removeBody(item: Record<string, unknown>): Promise<boolean>;
  /** The account's current retention and closure (cached for the run); undefined if unknown. */
  accountPolicy(accountId: string): Promise<AccountPolicy | undefined>;
  /** Deletes the identity items of a closed account and stamps dataDeletedAt on its ACCOUNT item. */
  eraseAccount(accountId: string, at: string): Promise<{ deletedItems: number }>;
}

export interface PurgeDeps {
  readonly store: PurgeStore;
  readonly clock: Clock;
  readonly audit: AuditLog;
  /** Items scanned per run at most (the run stops after the page that reaches it). */
  readonly scanBudget: number;
  readonly pageSize: number;
  /** Only these accounts' data is touched (tests sharing a table); all accounts when absent. */
  readonly accountScope?: (accountId: string) => boolean;
}

export interface PurgeReport {
  scanned: number;
  deleted: number;
  bodiesRemoved: number;
  accountsErased: number;
  /** A cycle ended during this run (the next run starts a new one). */
  cycleCompleted: boolean;
  phase: PurgePhase;
}

export type ItemAction = "keep" | "delete" | "remove-body";

const num = (value: unknown): number | undefined => (typeof value === "number" ? value : undefined);
const createdSeconds = (item: Record<string, unknown>): number | undefined =>
  typeof item.createdAt === "string" ? epochSeconds(new Date(item.createdAt)) : undefined;

/** Account of a messages/verifications item: its attribute, or the one in an idempotency key. */
export function accountOfItem(item: Record<string, unknown>): string | undefined {
  if (typeof item.accountId === "string") return item.accountId;
  const match = /^(?:IDEM|idem)#(acc_[^#]+)#/.exec(String(item.pk ?? ""));
  return match?.[1];
}

const erased = (policy: AccountPolicy | undefined, now: Date): boolean =>
  policy?.eraseBefore !== undefined && policy.eraseBefore <= now.toISOString();

/** The verdict every table shares: the account's data is to be erased, or the item's own TTL passed. */
const erasedOrExpired = (
  item: Record<string, unknown>,
  policy: AccountPolicy | undefined,
  now: Date,
): boolean => erased(policy, now) || (num(item.expiresAt) ?? Number.POSITIVE_INFINITY) <= epochSeconds(now);

/**
 * What happens to one messages-table item. Metadata ends at the earlier of its stored expiresAt and
 * createdAt + the account's current metadata days, but never before the message could still be sent
 * plus a day for its delivery report (what send stores too). The body ends at createdAt + current
 * body days (or its stored bodyExpiresAt, if earlier), and only once the message is sent or final.
 */
export function messageAction(
  item: Record<string, unknown>,
  policy: AccountPolicy | undefined,
  now: Date,
): ItemAction {
  if (erasedOrExpired(item, policy, now)) return "delete";
  const nowSeconds = epochSeconds(now);
  const created = createdSeconds(item);
  if (item.sk !== "MESSAGE" || !policy || created === undefined) return "keep";
  const validUntil = typeof item.validUntil === "string" ? epochSeconds(new Date(item.validUntil)) : 0;
  const metadataEnd = Math.max(
    created + policy.retention.messageMetadataDays * DAY_SECONDS,
    validUntil + DAY_SECONDS,
  );
  if (metadataEnd <= nowSeconds) return "delete";
  if (item.textCipher === undefined || !bodyNoLongerNeeded(item.status)) return "keep";
  const bodyEnd = Math.min(
    created + policy.retention.messageBodyDays * DAY_SECONDS,
    num(item.bodyExpiresAt) ?? Number.POSITIVE_INFINITY,
  );
  return bodyEnd <= nowSeconds ? "remove-body" : "keep";
}

/**
 * What happens to one verifications-table item: gone at its expiresAt, or at createdAt + the
 * account's current verification days, but never while its code may still be checked.
 */
export function verificationAction(
  item: Record<string, unknown>,
  policy: AccountPolicy | undefined,
  now: Date,
): ItemAction {
  if (erasedOrExpired(item, policy, now)) return "delete";
  const nowSeconds = epochSeconds(now);
  const created = createdSeconds(item);
  if (!policy || created === undefined) return "keep";
  const codeLive = (num(item.codeExpiresAt) ?? 0) > nowSeconds;
  return !codeLive && created + policy.retention.verificationDays * DAY_SECONDS <= nowSeconds
    ? "delete"
    : "keep";
}

async function handleItem(
  phase: "messages" | "verifications",
  item: Record<string, unknown>,
  now: Date,
  deps: PurgeDeps,
  report: PurgeReport,
): Promise<void> {
  const accountId = accountOfItem(item);
  if (deps.accountScope && (!accountId || !deps.accountScope(accountId))) return;
  const policy = accountId ? await deps.store.accountPolicy(accountId) : undefined;
  const action = (phase === "messages" ? messageAction : verificationAction)(item, policy, now);
  if (action === "delete") {
    await deps.store.deleteItem(phase, item);
    report.deleted += 1;
  } else if (action === "remove-body" && (await deps.store.removeBody(item))) {
    report.bodiesRemoved += 1;
  }
}

async function eraseIfDue(
  item: Record<string, unknown>,
  cycleStartedAt: string,
  deps: PurgeDeps,
  report: PurgeReport,
): Promise<void> {
  const accountId = typeof item.accountId === "string" ? item.accountId : undefined;
  if (item.sk !== "ACCOUNT" || !accountId || item.status !== "closed" || item.dataDeletedAt) return;
  if (deps.accountScope && !deps.accountScope(accountId)) return;
  const deadline = typeof item.deleteDataAfter === "string" ? item.deleteDataAfter : undefined;
  if (!deadline || deadline > cycleStartedAt) return;
  const at = deps.clock.now().toISOString();
  const { deletedItems } = await deps.store.eraseAccount(accountId, at);
  report.accountsErased += 1;
  // Kept in the account's own audit log (persistent class: it outlives the deletion, see purge-store)
  // and in the operator log, like the operator's close that scheduled it.
  const event = {
    action: "account.data.deleted",
    actor: { type: "system" as const, id: "retention-purge" },
    outcome: "success" as const,
    target: { type: "account", id: accountId },
    details: { deleteDataAfter: deadline, identityItemsDeleted: deletedItems },
  };
  await Promise.all([
    deps.audit.record({ ...event, accountId }),
    deps.audit.record({ ...event, accountId: "operator", details: { ...event.details, accountId } }),
  ]);
}

/** One scheduled run: resumes the cycle where the last run stopped, within the scan budget. */
export async function runPurge(deps: PurgeDeps): Promise<PurgeReport> {
  const now = deps.clock.now();
  let cursor: PurgeCursor = (await deps.store.loadCursor()) ?? {
    phase: "messages",
    cycleStartedAt: now.toISOString(),
  };
  const report: PurgeReport = {
    scanned: 0,
    deleted: 0,
    bodiesRemoved: 0,
    accountsErased: 0,
    cycleCompleted: false,
    phase: cursor.phase,
  };
  while (report.scanned < deps.scanBudget && !report.cycleCompleted) {
    const page = await deps.store.scanPage(cursor.phase, cursor.startKey, deps.pageSize);
    report.scanned += page.items.length;
    for (const item of page.items) {
      if (cursor.phase === "accounts") await eraseIfDue(item, cursor.cycleStartedAt, deps, report);
      else await handleItem(cursor.phase, item, now, deps, report);
    }
    if (page.nextKey) {
      cursor = { ...cursor, startKey: page.nextKey };
      continue;
    }
    const next = purgePhases[purgePhases.indexOf(cursor.phase) + 1];
    if (next) {
      cursor = { phase: next, cycleStartedAt: cursor.cycleStartedAt };
    } else {
      report.cycleCompleted = true;
      cursor = { phase: "messages", cycleStartedAt: deps.clock.now().toISOString() };
    }
  }
  report.phase = cursor.phase;
  await deps.store.saveCursor(cursor);
  return report;
}
