import { createHash } from "node:crypto";
import { epochSeconds } from "../shared/clock.ts";
import { logger } from "../shared/logger.ts";
import { DomainError } from "../shared/problem.ts";
import type { AcceptedMessage, BoundCreate, KeyBinding, StoredMessage } from "./model.ts";
import { queueFor } from "./model.ts";
import {
  type AcceptMessageInput,
  type MessagingDeps,
  noteAccepted,
  prepareMessage,
  releaseAfterFailure,
  reserveDailyMessage,
} from "./service.ts";

/**
 * POST /v1/messages with an Idempotency-Key: exactly one message per (account, key), whatever fails.
 *
 * The key is bound to the message in the SAME DynamoDB transaction that stores the message, so there
 * is no moment where a message exists without its binding (the earlier design saved an idempotency
 * "success record" after the message was stored and queued; when that save failed or the function
 * timed out, a retry after the in-progress expiry created and sent a second message).
 *
 *   new key        → transaction {message, binding} → enqueue → 202
 *   bound key      → same request: replay the stored 202 (and put a still-queued message on its
 *                    queue again: the first attempt may have died before its enqueue; the
 *                    dispatcher's claim makes a second queue record harmless)
 *                  → other request: 409 idempotency-key-reused
 *   enqueue fails  → 503, the message and binding stay: the client's retry re-enqueues it.
 * Keys are scoped per account and live 24 h.
 */
export const KEY_BINDING_TTL_SECONDS = 24 * 3600;

export interface Replayable<R> {
  readonly result: R;
  /** True when the response of an earlier request with the same key was returned. */
  readonly replayed: boolean;
}

/**
 * sha256 of the normalised request (after zod parsing: key order, a default spelled out or a phone
 * number written another way do not make a different request). Fields in a fixed order.
 */
export function requestHashOf(input: AcceptMessageInput): string {
  const canonical = JSON.stringify([
    input.to,
    input.text,
    input.from ?? null,
    input.priority,
    input.validitySeconds ?? null,
    input.callbackUrl ?? null,
    input.scheduleAt?.toISOString() ?? null,
    input.requireTls ?? false,
    input.tag ?? null,
  ]);
  return createHash("sha256").update(canonical).digest("base64url");
}

export async function acceptMessageOnce(
  input: AcceptMessageInput,
  idempotencyKey: string,
  deps: MessagingDeps,
): Promise<Replayable<AcceptedMessage>> {
  const requestHash = requestHashOf(input);
  const prepared = await prepareMessage(input, deps);
  // With a daily limit, a replay is answered before any reservation: it must never take one, nor
  // be refused because the day's messages (its own among them) are used up.
  if (reservesDailyQuota(prepared.messagesPerDay, deps)) {
    const bound = await deps.messages.findBinding(input.accountId, idempotencyKey);
    if (bound) return replay(bound, requestHash, deps);
  }
  const reservation = await reserveDailyMessage(prepared, deps);
  let outcome: BoundCreate;
  try {
    outcome = await deps.messages.createBound(prepared.message, {
      accountId: input.accountId,
      idempotencyKey,
      messageId: prepared.message.id,
      requestHash,
      response: prepared.accepted,
      expiresAt: epochSeconds(deps.clock.now()) + KEY_BINDING_TTL_SECONDS,
    });
  } catch (error) {
    await releaseAfterFailure(reservation);
    throw error;
  }
  if (!outcome.created) {
    // A concurrent request with the key won: its message holds the day's reservation, not this one.
    await releaseAfterFailure(reservation);
    return replay(outcome.existing, requestHash, deps);
  }
  await enqueueOrAskForRetry(prepared.message, prepared.delaySeconds, deps);
  noteAccepted(prepared, deps);
  return { result: prepared.accepted, replayed: false };
}

const reservesDailyQuota = (messagesPerDay: number | undefined, deps: MessagingDeps): boolean =>
  deps.dailyQuota !== undefined && messagesPerDay !== undefined;

/** Same key, same request: the first answer again; same key, another request: 409. */
async function replay(
  existing: KeyBinding,
  requestHash: string,
  deps: MessagingDeps,
): Promise<Replayable<AcceptedMessage>> {
  if (existing.requestHash !== requestHash) {
    throw new DomainError(
      "idempotency-key-reused",
      "This Idempotency-Key was already used with a different request body",
    );
  }
  await requeueIfStillQueued(existing.messageId, deps);
  return { result: existing.response, replayed: true };
}

async function requeueIfStillQueued(messageId: string, deps: MessagingDeps): Promise<void> {
  const message = await deps.messages.get(messageId);
  if (!message || (message.status !== "queued" && message.status !== "scheduled")) return;
  const nowMs = deps.clock.now().getTime();
  const delaySeconds = message.scheduledAt
    ? Math.max(0, Math.ceil((Date.parse(message.scheduledAt) - nowMs) / 1000))
    : 0;
  logger.info("replayed key of a message still queued: enqueued again", { messageId });
  await enqueueOrAskForRetry(message, delaySeconds, deps);
}

async function enqueueOrAskForRetry(
  message: StoredMessage,
  delaySeconds: number,
  deps: MessagingDeps,
): Promise<void> {
  try {
    await deps.queue.enqueue(queueFor(message.priority), message.id, delaySeconds);
  } catch (error) {
    // Not discarded: the key is bound to this message, and the retry with it enqueues it again.
    logger.error("enqueue failed; the message waits for a retry with its Idempotency-Key", {
      messageId: message.id,
      error: error as Error,
    });
    throw new DomainError(
      "service-unavailable",
      "The message could not be queued; retry with the same Idempotency-Key",
    );
  }
}
