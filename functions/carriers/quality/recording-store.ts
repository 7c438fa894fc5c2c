import type { StoredMessage } from "../../messages/model.ts";
import { dynamoMessageStateStore, type MessageStateStore } from "../../messages/state-store.ts";
import { logger } from "../../shared/logger.ts";
import { getCarrierRoute } from "../store.ts";
import { dynamoQualityStats, type QualityEvent, type QualityStatsWriter } from "./stats-store.ts";

/**
 * Records carrier quality where a message's carrier outcome is written: a MessageStateStore that
 * counts every transition it makes (sent, refused, failed at submit, delivery report) into the stats
 * store. Wrapping the store reaches every path at once — HTTP and AWS dispatch, HTTP DLRs, AWS
 * delivery events, SMPP submits and receipts — and counts only transitions that took effect, so a
 * redelivered record or a repeated receipt is not counted twice.
 *
 * A stats write that fails is logged and dropped: the message itself must never fail because of it.
 */
export interface RecordingOptions {
  readonly stats: QualityStatsWriter;
  /** Whether a carrier's link is TLS (the TLS share of the quality report). */
  readonly tlsOf: (carrierId: string) => Promise<boolean>;
}

export function recordingQuality(store: MessageStateStore, options: RecordingOptions): MessageStateStore {
  /** One read of the message gives its country, route prefix, carrier and sentAt (time to DLR). */
  const record = async (
    id: string,
    carrierId: string | undefined,
    eventOf: (message: StoredMessage) => QualityEvent,
    at: string,
  ) => {
    try {
      const message = await store.get(id);
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
    markSent: async (id, lease, carrierMessageId, at, forgetText) => {
      const done = await store.markSent(id, lease, carrierMessageId, at, forgetText);
      if (done) {
        const tls = await options.tlsOf(lease.carrierId).catch(() => false);
        await record(id, lease.carrierId, () => ({ kind: "submitted", tls }), at);
      }
      return done;
    },
    finish: async (id, to, error, at, submissionId, onlyFrom) => {
      const before = submissionId ? await store.get(id) : undefined;
      const done = await store.finish(id, to, error, at, submissionId, onlyFrom);
      // Failed by a submitting attempt: the carrier refused it for good (a permanent submit error).
      if (done && to === "failed" && before?.submission?.id === submissionId && before?.carrierId) {
        await record(id, before.carrierId, () => ({ kind: "submit-failed", errorCode: error.code }), at);
      }
      return done;
    },
    noteAttemptError: async (id, submissionId, error, notAccepted) => {
      await store.noteAttemptError(id, submissionId, error, notAccepted);
      if (notAccepted) {
        const at = new Date().toISOString();
        await record(id, undefined, () => ({ kind: "submit-failed", errorCode: error.code }), at);
      }
    },
    applyReport: async (id, report) => {
      const done = await store.applyReport(id, report);
      if (done) {
        await record(
          id,
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
      return done;
    },
  };
}

/**
 * The messages store of a function that settles carrier outcomes, recording quality as it goes.
 * tlsOf defaults to the carrier record (accounts read); only submitting functions call it.
 */
export function qualityRecordingStore(
  tlsOf: (carrierId: string) => Promise<boolean> = async (carrierId) =>
    (await getCarrierRoute(carrierId))?.tls ?? false,
): MessageStateStore {
  return recordingQuality(dynamoMessageStateStore(), { stats: dynamoQualityStats(), tlsOf });
}
