import {
  type CarrierAdapter,
  type CarrierRoute,
  type LookupOutcome,
  PermanentCarrierError,
  TransientCarrierError,
} from "../carriers/model.ts";
import type { MessagingMetrics } from "../messages/metrics.ts";
import { bodyDroppedWhenSent, type StoredMessage, type SubmissionLease } from "../messages/model.ts";
import { openField } from "../messages/sealed.ts";
import type { MessageStateStore } from "../messages/state-store.ts";
import { type MessageStatus, TERMINAL } from "../messages/status.ts";
import type { Clock } from "../shared/clock.ts";
import type { FieldCipher } from "../shared/crypto.ts";
import { logger } from "../shared/logger.ts";
import { type DeferralDeps, deferUntilCarrierRecovers } from "./deferral.ts";
import { newLease, openDestination, pickRoute } from "./routing.ts";

/**
 * Submits one queued message to a carrier, at most once per message no matter how often SQS
 * delivers the record. The protocol, all on the message item with conditional writes:
 *
 *  1. claim: queued|scheduled → submitting with a lease {id, carrierId, leaseUntil}. Only one worker
 *     wins; a loser whose message is still in flight asks SQS to retry later.
 *  2. submit to the carrier, then 2b. submitting → sent (conditional on the lease id).
 *  3. A record that finds "submitting" with the lease run out means an earlier attempt died or failed
 *     transiently *after* the claim — the carrier may or may not have the message. It is never
 *     resubmitted blindly: we ask that carrier (GET /v1/sms?reference=<message id>). Received → sent.
 *     Not received → the carrier never got it, so a new lease is taken (conditional on the old lease
 *     id) and the message is submitted once. Unknown (lookup error, no lookup route) → nothing is
 *     decided: the message stays "submitting", a delivery report can still settle it, and the record
 *     retries (then the dead-letter consumer keeps asking). Unknown never reads as "not received".
 *  A queued message (or one the carrier never got) whose every carrier is behind an open breaker
 *  waits as a delayed copy of its record (deferral.ts), not by spending the record's receives.
 *  The lease (30 s) outlives the dispatch function (10 s timeout), so a live attempt is never taken
 *  over; SQS redelivers only after the 60 s visibility timeout.
 */
export interface DispatchDeps extends DeferralDeps {
  readonly store: MessageStateStore;
  readonly routes: () => Promise<readonly CarrierRoute[]>;
  readonly adapterFor: (route: CarrierRoute) => Promise<CarrierAdapter>;
  readonly cipher: FieldCipher;
  readonly clock: Clock;
  readonly leaseMs: number;
  readonly defaultSender: string;
  /** Fallback DLR URL base when a carrier record has none (the public API URL). */
  readonly publicApiUrl?: string;
  readonly newSubmissionId?: () => string;
  readonly metrics?: MessagingMetrics;
  /** False while a carrier's circuit breaker is open: routing skips it (failover to the next route). */
  readonly carrierAvailable?: (carrierId: string) => boolean;
  /** Queues a message for the SMPP connector (sms-smpp), which claims and submits it itself. */
  readonly handOffToSmpp?: (messageId: string) => Promise<void>;
}

export interface DispatchInput {
  readonly messageId: string;
  /** SQS ApproximateReceiveCount of this record. */
  readonly receiveCount: number;
  readonly maxReceiveCount: number;
  /** How often this message's record was already put back to wait for a carrier (deferral.ts). */
  readonly deferrals?: number;
}

export type DispatchOutcome =
  | "sent"
  | "reconciled"
  | "done-already"
  | "gone"
  | "failed"
  | "expired"
  | "handed-off"
  /** Every carrier for it is behind an open breaker: a delayed copy of the record waits (deferral.ts). */
  | "deferred";

/** Thrown to make SQS deliver the record again later (batch item failure). */
export class RetryLaterError extends Error {
  override name = "RetryLaterError";
}

export async function dispatchMessage(input: DispatchInput, deps: DispatchDeps): Promise<DispatchOutcome> {
  const message = await deps.store.get(input.messageId);
  if (!message) return "gone";
  if (message.status === "sent" || TERMINAL.has(message.status)) return "done-already";
  const now = deps.clock.now();
  if (message.status === "submitting") return resumeAttempt(message, input, deps);
  // SQS delays the record until scheduledAt; a redriven or early copy must not send ahead of time.
  if (message.scheduledAt && message.scheduledAt > new Date(now.getTime() + 1000).toISOString()) {
    throw new RetryLaterError("scheduled for later");
  }
  if (now.toISOString() > message.validUntil) return expire(message, deps);
  const to = await openDestination(message, deps);
  const routed = await pickRoute(message, to, deps);
  if (!routed) {
    if (await pickRoute(message, to, { ...deps, carrierAvailable: undefined })) {
      // Every carrier for it has an open breaker: still queued, so nothing is lost by waiting.
      return waitForCarrier(message, input, deps);
    }
    return failNoRoute(message, deps);
  }
  if (routed.route.protocol === "smpp") return handOffToSmpp(message, deps);
  const lease = newLease(routed, 1, deps);
  if (!(await deps.store.claim(message.id, lease))) return afterLostRace(message.id, deps);
  return submit(message, to, lease, routed.route, input, deps);
}

/** Still "queued": a delayed copy waits for the breakers (deferral.ts), else the record retries. */
async function waitForCarrier(
  message: StoredMessage,
  input: DispatchInput,
  deps: DispatchDeps,
): Promise<DispatchOutcome> {
  if (await deferUntilCarrierRecovers(message, input.deferrals ?? 0, deps)) return "deferred";
  throw new RetryLaterError("every carrier for this destination has an open circuit breaker");
}

/** What step 3 learned about a "submitting" message whose lease ran out. */
export type Reconciliation =
  /** The carrier has it: marked sent. */
  | { readonly outcome: "reconciled" }
  /** The carrier of that attempt is gone: failed (resubmitting elsewhere could duplicate it). */
  | { readonly outcome: "failed" }
  /** The carrier never got it; the message is still "submitting" under the old lease. */
  | { readonly outcome: "not-found"; readonly lease: SubmissionLease; readonly route: CarrierRoute };

/**
 * Step 3: asks the carrier of a dead attempt whether it has the message (by our reference). Throws
 * RetryLaterError while that attempt's lease is live or the carrier cannot answer now. Shared by the
 * dispatcher and the dead-letter consumer.
 */
export async function reconcileExpiredLease(
  message: StoredMessage,
  deps: Pick<DispatchDeps, "store" | "routes" | "adapterFor" | "clock">,
): Promise<Reconciliation> {
  const previous = message.submission;
  const nowMs = deps.clock.now().getTime();
  if (!previous) throw new Error(`message ${message.id} is submitting without a lease`);
  if (previous.leaseUntil > nowMs) throw new RetryLaterError("another attempt holds the lease");
  const previousRoute = (await deps.routes()).find((route) => route.carrierId === previous.carrierId);
  if (!previousRoute) {
    // Nobody left to ask whether it was accepted: resubmitting could duplicate it.
    await failMessage(
      message,
      { code: "submission-outcome-unknown", reason: "carrier of the earlier attempt is gone" },
      deps,
      previous.id,
    );
    return { outcome: "failed" };
  }
  // The carrier refused that attempt for now (throttled, quota): nothing to ask, it does not have it.
  if (previous.notAccepted) return { outcome: "not-found", lease: previous, route: previousRoute };
  const known = await lookup(previousRoute, message.id, deps);
  if (known.outcome === "unknown") throw new RetryLaterError(known.reason);
  if (known.outcome === "received") {
    await markSent(message, previous, known.carrierMessageId, deps);
    logger.info("dispatch reconciled", { messageId: message.id, carrierId: previous.carrierId });
    return { outcome: "reconciled" };
  }
  return { outcome: "not-found", lease: previous, route: previousRoute };
}

async function resumeAttempt(
  message: StoredMessage,
  input: DispatchInput,
  deps: DispatchDeps,
): Promise<DispatchOutcome> {
  const nowMs = deps.clock.now().getTime();
  const reconciliation = await reconcileExpiredLease(message, deps);
  if (reconciliation.outcome !== "not-found") return reconciliation.outcome;
  const { lease: previous, route: previousRoute } = reconciliation;
  if (deps.clock.now().toISOString() > message.validUntil) return expire(message, deps, previous.id);
  // A carrier that refused the last attempt for now (throttled) hands it to the next ranked route.
  const to = await openDestination(message, deps);
  const available = await pickRoute(message, to, deps, previous.notAccepted ? previous.carrierId : undefined);
  // The carrier never got it, and the fallback below would be a carrier behind an open breaker: wait.
  if (!available && deps.carrierAvailable?.(previousRoute.carrierId) === false) {
    return waitForCarrier(message, input, deps);
  }
  const routed = available ?? { route: previousRoute, routePrefix: previous.routePrefix };
  const lease = newLease(routed, previous.attempt + 1, deps);
  if (!(await deps.store.claim(message.id, lease, { submissionId: previous.id, nowMs }))) {
    return afterLostRace(message.id, deps);
  }
  return submit(message, to, lease, routed.route, input, deps);
}

/** `to`: the destination, decrypted once per record for routing and the submit alike. */
async function submit(
  message: StoredMessage,
  to: string,
  lease: SubmissionLease,
  route: CarrierRoute,
  input: DispatchInput,
  deps: DispatchDeps,
): Promise<DispatchOutcome> {
  // Bodies live until their message is sent (retention takes them only after), so a missing one
  // means it was removed anyway: fail the message rather than submit an empty text.
  if (message.textCipher === undefined) {
    await fail(message, "body-expired", "the message body is past its retention", deps, lease.id);
    return "failed";
  }
  // Decrypted here and nowhere else; the plaintext never leaves this function except to the carrier.
  const text = await openField(
    deps.cipher,
    { accountId: message.accountId, messageId: message.id, field: "text" },
    message.textCipher,
  );
  const adapter = await deps.adapterFor(route);
  const dlrUrl =
    route.dlrUrl ??
    (deps.publicApiUrl ? `${deps.publicApiUrl}/v1/carriers/${route.carrierId}/dlr` : undefined);
  const started = performance.now();
  try {
    const { carrierMessageId } = await adapter.submit({
      reference: message.id,
      from: message.from ?? deps.defaultSender,
      to,
      text,
      encoding: message.encoding,
      priority: message.priority,
      validUntil: message.validUntil,
      ...(dlrUrl ? { dlrUrl } : {}),
    });
    deps.metrics?.carrierLatency(route.carrierId, Math.round(performance.now() - started));
    await markSent(message, lease, carrierMessageId, deps);
    logger.info("message sent", {
      messageId: message.id,
      carrierId: route.carrierId,
      attempt: lease.attempt,
    });
    return "sent";
  } catch (error) {
    if (error instanceof PermanentCarrierError) {
      await fail(message, error.code, error.reason, deps, lease.id);
      return "failed";
    }
    if (!(error instanceof TransientCarrierError)) throw error;
    await deps.store.noteAttemptError(
      message.id,
      lease.id,
      { code: "carrier-transient", reason: error.message },
      error.notAccepted,
    );
    if (input.receiveCount < input.maxReceiveCount) throw new RetryLaterError(error.message);
    return lastAttempt(message, lease, route, deps);
  }
}

/**
 * The final delivery of the record failed transiently: settle the outcome instead of going to the
 * DLQ — but only on the carrier's word. If it cannot say (lookup error, no lookup route), the
 * carrier may have the message (a timeout after acceptance): it stays "submitting" for a delivery
 * report to settle, and the record goes on to the dead-letter consumer, which keeps asking.
 */
async function lastAttempt(
  message: StoredMessage,
  lease: SubmissionLease,
  route: CarrierRoute,
  deps: DispatchDeps,
): Promise<DispatchOutcome> {
  const known = await lookup(route, message.id, deps);
  if (known.outcome === "received") {
    await markSent(message, lease, known.carrierMessageId, deps);
    return "reconciled";
  }
  if (known.outcome === "unknown") {
    await deps.store.noteAttemptError(message.id, lease.id, {
      code: "submission-outcome-unknown",
      reason: known.reason,
    });
    throw new RetryLaterError(`last receive, carrier cannot tell: ${known.reason}`);
  }
  await fail(
    message,
    "carrier-unavailable",
    "the carrier did not accept the message after retries",
    deps,
    lease.id,
  );
  return "failed";
}

/**
 * The carrier has it: sent. An OTP's body (the code), or any body of an account that keeps none, is
 * dropped now; nothing needs it any more.
 */
const markSent = (
  message: StoredMessage,
  lease: SubmissionLease,
  carrierMessageId: string,
  deps: Pick<DispatchDeps, "store" | "clock">,
): Promise<boolean> =>
  deps.store.markSent(
    message.id,
    lease,
    carrierMessageId,
    deps.clock.now().toISOString(),
    bodyDroppedWhenSent(message),
    message,
  );

/** Asks the carrier; anything that keeps it from answering is "unknown", never "not received". */
async function lookup(
  route: CarrierRoute,
  reference: string,
  deps: Pick<DispatchDeps, "adapterFor">,
): Promise<LookupOutcome> {
  try {
    return await (await deps.adapterFor(route)).lookup(reference);
  } catch (error) {
    return { outcome: "unknown", reason: `lookup failed: ${(error as Error).message}` };
  }
}

/**
 * SMPP carriers are reached only through the long-lived connector's binds. The message stays
 * "queued": the connector claims it with the same lease protocol, so a repeated hand-off (this record
 * redelivered) is harmless — only one claim wins.
 */
async function handOffToSmpp(message: StoredMessage, deps: DispatchDeps): Promise<DispatchOutcome> {
  if (!deps.handOffToSmpp)
    throw new Error("an SMPP route was chosen but no SMPP connector queue is configured");
  await deps.handOffToSmpp(message.id);
  logger.info("message handed to the SMPP connector", { messageId: message.id });
  return "handed-off";
}

/** Someone else moved the message: done if it reached sent or beyond, else let SQS retry later. */
async function afterLostRace(messageId: string, deps: DispatchDeps): Promise<DispatchOutcome> {
  const current = await deps.store.get(messageId);
  if (!current) return "gone";
  if (current.status === "sent" || TERMINAL.has(current.status)) return "done-already";
  throw new RetryLaterError("message claimed by another attempt");
}

const expiredError = {
  code: "validity-expired",
  reason: "validity period ended before the message was sent",
};

/** → expired, before any attempt or (submissionId) after one the carrier never got. */
async function expire(
  message: StoredMessage,
  deps: DispatchDeps,
  submissionId?: string,
): Promise<DispatchOutcome> {
  const at = deps.clock.now().toISOString();
  await deps.store.finish(message.id, "expired", expiredError, at, submissionId, undefined, message);
  logger.info("message expired before dispatch", { messageId: message.id });
  return "expired";
}

async function failNoRoute(message: StoredMessage, deps: DispatchDeps): Promise<DispatchOutcome> {
  const reason = message.requireTls
    ? "no TLS carrier serves this destination"
    : "no carrier serves this destination";
  await fail(message, "no-route", reason, deps);
  return "failed";
}

const fail = (
  message: StoredMessage,
  code: string,
  reason: string,
  deps: DispatchDeps,
  submissionId?: string,
) => failMessage(message, { code, reason }, deps, submissionId);

/** → failed, conditional on the status machine (and on this attempt's lease, if given). */
export async function failMessage(
  message: StoredMessage,
  error: { readonly code: string; readonly reason: string },
  deps: Pick<DispatchDeps, "store" | "clock">,
  submissionId?: string,
  onlyFrom?: readonly MessageStatus[],
): Promise<boolean> {
  const moved = await deps.store.finish(
    message.id,
    "failed",
    { code: error.code, reason: error.reason },
    deps.clock.now().toISOString(),
    submissionId,
    onlyFrom,
    message,
  );
  logger.warn("message failed", { messageId: message.id, code: error.code, moved });
  return moved;
}
