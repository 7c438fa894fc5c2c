import { createHash, randomUUID } from "node:crypto";
import { bodyDroppedWhenSent, type StoredMessage, type SubmissionLease } from "../../messages/model.ts";
import { openField } from "../../messages/sealed.ts";
import type { MessageStateStore } from "../../messages/state-store.ts";
import { TERMINAL } from "../../messages/status.ts";
import type { Clock } from "../../shared/clock.ts";
import type { FieldCipher } from "../../shared/crypto.ts";
import { logger } from "../../shared/logger.ts";
import { matchedPrefix } from "../router.ts";
import type { SubmitAddress, SubmitResult } from "./bind.ts";
import { encodeParts, type SubmitPart } from "./encoding.ts";
import type { SmppCarrierEntry } from "./entry.ts";
import { classifySubmitStatus, statusName } from "./errors.ts";
import { backoffMs } from "./flow.ts";
import type { AcceptedPart, SmppPartStore } from "./part-store.ts";
import { chooseSmppCarrier } from "./routing.ts";

/**
 * Submits one message over SMPP, at most once per part. The message is claimed with a lease
 * (the same state machine the dispatcher uses: queued → submitting → sent), every part's
 * submit_sm_resp is recorded before anything else (part-store.ts), and a part is offered again only
 * when the SMSC never answered it: refused as throttled/queue full/system error, or its connection
 * fell before a response. A resumed attempt (lease ran out: crash, restart) skips recorded parts.
 */
export interface SubmitPort {
  submit(part: SubmitPart, to: SubmitAddress, notAfter?: number): Promise<SubmitResult>;
}

export interface ConnectorDeps {
  readonly store: MessageStateStore;
  readonly parts: SmppPartStore;
  readonly cipher: FieldCipher;
  readonly clock: Clock;
  readonly carriers: readonly SmppCarrierEntry[];
  readonly bindFor: (carrierId: string) => SubmitPort;
  /** Longer than one attempt may take; shorter than the queue's visibility timeout. */
  readonly leaseMs: number;
  readonly defaultSender: string;
  readonly retry?: { readonly baseMs: number; readonly capMs: number };
  readonly sleep?: (ms: number) => Promise<void>;
  readonly newSubmissionId?: () => string;
}

export type ConnectorOutcome = "sent" | "failed" | "expired" | "done-already" | "gone" | "retry-later";

type PartOutcome =
  | { readonly kind: "accepted"; readonly part: AcceptedPart }
  | { readonly kind: "permanent"; readonly commandStatus: number }
  | { readonly kind: "out-of-time" };

/** Same reference on every part, also across resumed attempts: derived from the message id. */
export const concatReference = (messageId: string): number =>
  createHash("sha256").update(messageId).digest().readUInt16BE(0);

export async function submitOverSmpp(messageId: string, deps: ConnectorDeps): Promise<ConnectorOutcome> {
  const message = await deps.store.get(messageId);
  if (!message) return "gone";
  if (message.status === "sent" || TERMINAL.has(message.status)) return "done-already";
  const now = deps.clock.now();
  const to = await open(message, "to", message.toCipher, deps);
  let carrier: SmppCarrierEntry | undefined;
  let lease: SubmissionLease;
  if (message.status === "submitting") {
    const previous = message.submission;
    if (!previous || previous.leaseUntil > now.getTime()) return "retry-later";
    // Parts may sit at that carrier already: only it may take the rest.
    carrier = deps.carriers.find((entry) => entry.id === previous.carrierId);
    if (!carrier)
      return fail(
        message,
        "submission-outcome-unknown",
        "the SMPP carrier of the earlier attempt is gone",
        deps,
        previous.id,
      );
    if (now.toISOString() > message.validUntil) return expire(message, deps, previous.id);
    lease = newLease(carrier, to, previous.attempt + 1, deps);
    const claimed = await deps.store.claim(message.id, lease, {
      submissionId: previous.id,
      nowMs: now.getTime(),
    });
    if (!claimed) return "retry-later";
  } else {
    if (message.scheduledAt && message.scheduledAt > new Date(now.getTime() + 1000).toISOString())
      return "retry-later";
    if (now.toISOString() > message.validUntil) return expire(message, deps);
    carrier = chooseSmppCarrier(deps.carriers, {
      to,
      requireTls: message.requireTls,
      otp: message.priority === "otp",
    });
    if (!carrier) return fail(message, "no-route", "no SMPP carrier serves this destination", deps);
    lease = newLease(carrier, to, 1, deps);
    if (!(await deps.store.claim(message.id, lease))) return "retry-later";
  }
  return submitParts(message, to, carrier, lease, deps);
}

async function submitParts(
  message: StoredMessage,
  to: string,
  carrier: SmppCarrierEntry,
  lease: SubmissionLease,
  deps: ConnectorDeps,
): Promise<ConnectorOutcome> {
  // Bodies live until their message is sent (functions/messages/store.ts): a missing one was removed.
  if (message.textCipher === undefined) {
    return fail(message, "body-expired", "the message body is past its retention", deps, lease.id);
  }
  const text = await open(message, "text", message.textCipher, deps);
  const parts = encodeParts(text, carrier.concatenation, concatReference(message.id));
  const done = new Map((await deps.parts.accepted(message.id)).map((part) => [part.seq, part]));
  // Leave a quarter of the lease: the last write must land while the lease is still ours.
  const notAfter = lease.leaseUntil - deps.leaseMs / 4;
  const address = { from: message.from ?? deps.defaultSender, to };
  const outcomes = await Promise.all(
    parts.map((part): Promise<PartOutcome> => {
      const known = done.get(part.seq);
      if (known) return Promise.resolve({ kind: "accepted", part: known });
      return submitPart(message, part, address, carrier, notAfter, deps);
    }),
  );
  const refused = outcomes.find((outcome) => outcome.kind === "permanent");
  if (refused) {
    const name = statusName(refused.commandStatus);
    return fail(message, name, `the carrier refused the message (${name})`, deps, lease.id);
  }
  if (outcomes.some((outcome) => outcome.kind === "out-of-time")) {
    await deps.store.noteAttemptError(message.id, lease.id, {
      code: "carrier-transient",
      reason: "the SMPP carrier did not accept every part in time",
    });
    return "retry-later";
  }
  const first = outcomes.find((o) => o.kind === "accepted" && o.part.seq === 1);
  const carrierMessageId = first?.kind === "accepted" ? first.part.carrierMessageId : "";
  await deps.store.markSent(
    message.id,
    lease,
    carrierMessageId,
    deps.clock.now().toISOString(),
    bodyDroppedWhenSent(message),
    message,
  );
  logger.info("message sent", {
    messageId: message.id,
    carrierId: carrier.id,
    parts: parts.length,
    attempt: lease.attempt,
  });
  return "sent";
}

async function submitPart(
  message: StoredMessage,
  part: SubmitPart,
  address: SubmitAddress,
  carrier: SmppCarrierEntry,
  notAfter: number,
  deps: ConnectorDeps,
): Promise<PartOutcome> {
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  for (let attempt = 1; ; attempt += 1) {
    if (deps.clock.now().getTime() >= notAfter) return { kind: "out-of-time" };
    const result = await deps.bindFor(carrier.id).submit(part, address, notAfter);
    if (result.kind === "accepted") {
      const accepted = {
        seq: part.seq,
        total: part.total,
        carrierId: carrier.id,
        carrierMessageId: result.carrierMessageId,
      };
      await recordAccepted(message, accepted, deps);
      return { kind: "accepted", part: accepted };
    }
    if (result.kind === "refused" && classifySubmitStatus(result.commandStatus) === "permanent") {
      return { kind: "permanent", commandStatus: result.commandStatus };
    }
    // Throttled, queue full, system error, the link fell before an answer, or it was down when we
    // came to write: the SMSC does not have this part, offer it again (the loop head minds the time).
    await sleep(backoffMs(attempt, deps.retry ?? { baseMs: 50, capMs: 2000 }));
  }
}

/** The SMSC has the part: recording it must not be skipped by a passing DynamoDB error. */
async function recordAccepted(
  message: StoredMessage,
  part: AcceptedPart,
  deps: ConnectorDeps,
): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await deps.parts.recordAccepted(message.id, part, message.expiresAt);
      return;
    } catch (error) {
      if (attempt >= 5) throw new Error(`could not record accepted part of ${message.id}`, { cause: error });
      await new Promise((resolve) => setTimeout(resolve, backoffMs(attempt, { baseMs: 100, capMs: 2000 })));
    }
  }
}

const open = (message: StoredMessage, field: "to" | "text", sealed: string, deps: ConnectorDeps) =>
  openField(deps.cipher, { accountId: message.accountId, messageId: message.id, field }, sealed);

function newLease(
  carrier: SmppCarrierEntry,
  to: string,
  attempt: number,
  deps: ConnectorDeps,
): SubmissionLease {
  const routePrefix = matchedPrefix(carrier.prefixes, to);
  return {
    id: (deps.newSubmissionId ?? randomUUID)(),
    carrierId: carrier.id,
    leaseUntil: deps.clock.now().getTime() + deps.leaseMs,
    attempt,
    // The quality figures count per carrier and matched prefix, like the dispatcher's routes.
    ...(routePrefix !== undefined ? { routePrefix } : {}),
  };
}

async function fail(
  message: StoredMessage,
  code: string,
  reason: string,
  deps: ConnectorDeps,
  submissionId?: string,
): Promise<ConnectorOutcome> {
  const moved = await deps.store.finish(
    message.id,
    "failed",
    { code, reason },
    deps.clock.now().toISOString(),
    submissionId,
    undefined,
    message,
  );
  logger.warn("message failed", { messageId: message.id, code, moved });
  return "failed";
}

async function expire(
  message: StoredMessage,
  deps: ConnectorDeps,
  submissionId?: string,
): Promise<ConnectorOutcome> {
  const error = { code: "validity-expired", reason: "validity period ended before the message was sent" };
  await deps.store.finish(
    message.id,
    "expired",
    error,
    deps.clock.now().toISOString(),
    submissionId,
    undefined,
    message,
  );
  return "expired";
}
