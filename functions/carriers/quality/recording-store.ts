import type { StoredMessage } from "../../messages/model.ts";
import {
  asStateStore,
  dynamoMessageTransitions,
  type MessageStateStore,
  type MessageTransitions,
} from "../../messages/state-store.ts";
import { logger } from "../../shared/logger.ts";
import { getCarrierRoute } from "../store.ts";
import {
  type BatchedQualityStats,
  dynamoQualityStats,
  type QualityEvent,
  type QualityStatsWriter,
} from "./stats-store.ts";

/**
 * Records carrier quality where a message's carrier outcome is written: a MessageStateStore that
 * counts every transition it makes (sent, refused, failed at submit, delivery report) into the stats
 * store. Wrapping the store reaches every path at once — HTTP and AWS dispatch, HTTP DLRs, AWS
 * delivery events, SMPP submits and receipts — and counts only transitions that took effect, so a
 * redelivered record or a repeated receipt is not counted twice. The message's country, route
 * prefix and sentAt come from the item the transition wrote (its ALL_NEW image): no read.
 *
 * A stats write that fails is logged and dropped: the message itself must never fail because of it.
 */
export interface RecordingOptions {
  readonly stats: QualityStatsWriter;
  /** Whether a carrier's link is TLS (the TLS share of the quality report). */
  readonly tlsOf: (carrierId: string) => Promise<boolean>;
}

export function recordingQuality(store: MessageTransitions, options: RecordingOptions): MessageTransitions {
  /**
   * `message`: the item as the transition left it (its country, route prefix, carrier and sentAt);
   * read only where a write does not return it (an attempt error).
   */
  const record = async (
    id: string,
    message: StoredMessage | undefined,
    carrierId: string | undefined,
    eventOf: (message: StoredMessage) => QualityEvent,
    at: string,
  ) => {
    try {
      message ??= await store.get(id);
      const carrier = carrierId ?? message?.carrierId;
      if (!message || !carrier) return;
      await options.stats.record(
        {
          carrierId: carrier,
          country: message.country,
          ...(message.submission?.routePrefix !== undefined
            ? { prefix: message.submission.routePrefix }
            : {}),
          at: new Date(at),
        },
        eventOf(message),
      );
    } catch (error) {
      logger.warn("carrier quality not recorded", { messageId: id, error: String(error) });
    }
  };
  const secondsSince = (sentAt: string | undefined, at: string) =>
    sentAt === undefined
      ? {}
      : { secondsToReport: Math.max(0, (Date.parse(at) - Date.parse(sentAt)) / 1000) };
  return {
    get: (id) => store.get(id),
    claim: (id, lease, takeOver) => store.claim(id, lease, takeOver),
    // A cancelled OTP text never reached a carrier: nothing to count.
    cancelQueued: (id, at) => store.cancelQueued(id, at),
    markSent: async (id, lease, carrierMessageId, at, forgetText, audience) => {
      const moved = await store.markSent(id, lease, carrierMessageId, at, forgetText, audience);
      if (moved.applied) {
        const tls = await options.tlsOf(lease.carrierId).catch(() => false);
        await record(id, moved.after, lease.carrierId, () => ({ kind: "submitted", tls }), at);
      }
      return moved;
    },
    finish: async (id, to, error, at, submissionId, onlyFrom, audience) => {
      const moved = await store.finish(id, to, error, at, submissionId, onlyFrom, audience);
      // Failed by a submitting attempt: the carrier refused it for good (a permanent submit error).
      // The write was conditional on that attempt's lease, so its image still carries it.
      const after = moved.after;
      if (moved.applied && to === "failed" && submissionId && after?.submission?.id === submissionId) {
        const carrierId = after.carrierId;
        if (carrierId) {
          await record(id, after, carrierId, () => ({ kind: "submit-failed", errorCode: error.code }), at);
        }
      }
      return moved;
    },
    noteAttemptError: async (id, submissionId, error, notAccepted) => {
      await store.noteAttemptError(id, submissionId, error, notAccepted);
      if (notAccepted) {
        const at = new Date().toISOString();
        await record(id, undefined, undefined, () => ({ kind: "submit-failed", errorCode: error.code }), at);
      }
    },
    applyReport: async (id, report) => {
      const moved = await store.applyReport(id, report);
      if (moved.applied) {
        await record(
          id,
          moved.after,
          report.carrierId,
          (message) =>
            report.status === "delivered"
              ? { kind: "delivered", ...secondsSince(message.sentAt, report.at) }
              : {
                  kind: "not-delivered",
                  errorCode: report.error?.code ?? report.status,
                  ...secondsSince(message.sentAt, report.at),
                },
          report.at,
        );
      }
      return moved;
    },
  };
}

/**
 * The messages store of a function that settles carrier outcomes, recording quality as it goes.
 * tlsOf defaults to the carrier record (accounts read); only submitting functions call it. stats:
 * one write per event by default; an SQS consumer passes a batchedQualityStats it flushes per batch.
 */
export function qualityRecordingStore(
  tlsOf: (carrierId: string) => Promise<boolean> = async (carrierId) =>
    (await getCarrierRoute(carrierId))?.tls ?? false,
  stats: QualityStatsWriter = dynamoQualityStats(),
): MessageStateStore {
  return asStateStore(recordingQuality(dynamoMessageTransitions(), { stats, tlsOf }));
}

/**
 * A batch handler that writes the quality counts its batch gathered before it returns: SQS deletes
 * the batch's records only after that, and the function may be frozen right after it.
 */
export function flushingQualityStats<Args extends unknown[], Result>(
  stats: BatchedQualityStats,
  handler: (...args: Args) => Promise<Result>,
): (...args: Args) => Promise<Result> {
  return async (...args) => {
    try {
      return await handler(...args);
    } finally {
      await stats.flush();
    }
  };
}
