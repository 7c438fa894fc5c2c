import { messageKey, toStoredMessage } from "../messages/store.ts";
import { type Clock, epochSeconds } from "../shared/clock.ts";
import { logger } from "../shared/logger.ts";
import type { WriteOutcome } from "../verify/ports.ts";
import { verificationRecordOf } from "../verify/stored-verification.ts";
import { toView } from "../verify/view.ts";
import { type Outbox, type OutboxTable, pendingEventsOf, publishPending } from "./outbox.ts";
import { messageEventOf, verificationEvent, type WebhookEventPublisher } from "./publish.ts";
import type { WebhookEventPayload, WebhookEventType } from "./schemas.ts";

/**
 * The outbox sweeper (scheduled every minute): publishes webhook events still pending past the
 * publisher's grace (an enqueue that failed, a crash between write and enqueue), and marks pending
 * API verifications whose code expired as expired, which records and publishes verification.expired
 * exactly once (a conditional write: only the sweep that moves pending → expired records it).
 */
export interface SweepDeps {
  readonly clock: Clock;
  readonly outbox: Outbox;
  readonly publisher: WebhookEventPublisher;
  /** pending past its code expiry → expired, with verification.expired pending (conditional). */
  readonly expireVerification: (id: string, nowSeconds: number, at: string) => Promise<WriteOutcome>;
}

export interface SweepResult {
  readonly expired: number;
  readonly published: number;
  /** Publishes that failed again: they stay pending for the next sweep. */
  readonly failed: number;
}

type Tally = { expired: number; published: number; failed: number };

/**
 * Items per table and sweep, oldest due first per shard: while SQS is down every publish fails
 * slowly (the SDK's retries), and a sweep must still end well within its timeout. The rest waits
 * for the next minute.
 */
export const MAX_ITEMS_PER_SWEEP = 200;

/**
 * An item past its TTL is gone for every reader, even before DynamoDB deletes it: no event, and out
 * of the index, so it cannot take the oldest slots of every sweep until it is deleted.
 */
const live = (item: Record<string, unknown>, nowSeconds: number): boolean =>
  typeof item.expiresAt !== "number" || item.expiresAt > nowSeconds;

async function publishAll(
  deps: SweepDeps,
  subject: { table: OutboxTable; key: Record<string, string>; accountId: string },
  payloads: readonly WebhookEventPayload[],
  tally: Tally,
  callbackUrl?: string,
): Promise<void> {
  for (const payload of payloads) {
    if (await publishPending(deps, subject, payload, callbackUrl)) tally.published++;
    else tally.failed++;
  }
}

const isMessageEvent = (type: WebhookEventType): type is Extract<WebhookEventType, `message.${string}`> =>
  type.startsWith("message.");
const isVerificationEvent = (
  type: WebhookEventType,
): type is Extract<WebhookEventType, `verification.${string}`> => type.startsWith("verification.");

async function sweepVerification(
  item: Record<string, unknown>,
  deps: SweepDeps,
  now: Date,
  tally: Tally,
): Promise<void> {
  const nowSeconds = epochSeconds(now);
  let record = verificationRecordOf(item);
  if (!live(item, nowSeconds)) {
    await deps.outbox.abandon("verifications", { pk: record.id });
    return;
  }
  const pending = pendingEventsOf(item);
  if (record.status === "pending" && record.codeExpiresAt <= nowSeconds) {
    const at = now.toISOString();
    // Lost (conflict): a check or cancel closed it first, or a resend moved the expiry; either way
    // no expiry event is owed by this sweep.
    if ((await deps.expireVerification(record.id, nowSeconds, at)) === "ok") {
      record = { ...record, status: "expired", updatedAt: at };
      pending.push("verification.expired");
      tally.expired++;
    }
  }
  if (pending.length === 0) {
    if (record.status !== "pending") await deps.outbox.release("verifications", { pk: record.id });
    return;
  }
  const view = toView(record, nowSeconds, 0);
  await publishAll(
    deps,
    { table: "verifications", key: { pk: record.id }, accountId: record.accountId },
    pending.filter(isVerificationEvent).map((type) => verificationEvent(view, type, now)),
    tally,
  );
}

async function sweepMessage(
  item: Record<string, unknown>,
  deps: SweepDeps,
  now: Date,
  tally: Tally,
): Promise<void> {
  const message = toStoredMessage(item);
  const key = messageKey(message.id);
  if (!live(item, epochSeconds(now))) {
    await deps.outbox.abandon("messages", key);
    return;
  }
  const pending = pendingEventsOf(item);
  if (pending.length === 0) {
    await deps.outbox.release("messages", key);
    return;
  }
  await publishAll(
    deps,
    { table: "messages", key, accountId: message.accountId },
    pending.filter(isMessageEvent).map((type) => messageEventOf(type, message, now)),
    tally,
    message.callbackUrl,
  );
}

const oldestFirst = (items: Record<string, unknown>[]): Record<string, unknown>[] =>
  items
    .toSorted((a, b) => String(a.outboxDueAt).localeCompare(String(b.outboxDueAt)))
    .slice(0, MAX_ITEMS_PER_SWEEP);

export async function sweepOutbox(deps: SweepDeps): Promise<SweepResult> {
  const now = deps.clock.now();
  const nowIso = now.toISOString();
  const tally: Tally = { expired: 0, published: 0, failed: 0 };
  const [verifications, messages] = await Promise.all([
    deps.outbox.due("verifications", nowIso, MAX_ITEMS_PER_SWEEP),
    deps.outbox.due("messages", nowIso, MAX_ITEMS_PER_SWEEP),
  ]);
  // One item's trouble (a bad item, a throttled write) must not stop the rest of the sweep.
  const settle = async (table: OutboxTable, item: Record<string, unknown>, sweep: typeof sweepMessage) => {
    try {
      await sweep(item, deps, now, tally);
    } catch (error) {
      tally.failed++;
      logger.error("outbox sweep of one item failed", { table, pk: String(item.pk), error: error as Error });
    }
  };
  for (const item of oldestFirst(verifications)) await settle("verifications", item, sweepVerification);
  for (const item of oldestFirst(messages)) await settle("messages", item, sweepMessage);
  return tally;
}
