import { type Clock, epochSeconds, systemClock } from "../shared/clock.ts";
import { type FieldCipher, fieldCipher } from "../shared/crypto.ts";
import { newId } from "../shared/ids.ts";
import { logger } from "../shared/logger.ts";
import { maskPhone } from "../shared/mask.ts";
import type { CreatedBy } from "../shared/principal.ts";
import { DomainError } from "../shared/problem.ts";
import { type Hasher, hasher } from "../shared/secrets.ts";
import type { DailyMessageQuota, QuotaReservation } from "./daily-limit.ts";
import { type MessagingMetrics, messagingMetrics } from "./metrics.ts";
import type {
  AcceptedMessage,
  AccountReader,
  MessageQueue,
  MessageRepository,
  Priority,
  StoredMessage,
} from "./model.ts";
import { queueFor } from "./model.ts";
import { parsePhone } from "./phone.ts";
import { priceFor } from "./pricing.ts";
import { sqsMessageQueue } from "./queue.ts";
import { MAX_SCHEDULE_AHEAD_SECONDS } from "./schemas.ts";
import { sealField } from "./sealed.ts";
import { segmentsOrThrow } from "./segments.ts";
import { dynamoAccountReader, dynamoMessageRepository } from "./store.ts";

/**
 * Accepting a message: price it, store it encrypted, enqueue its id on the queue of its priority.
 * The send API and the verify capability (OTP texts) both come through acceptMessage.
 */
export interface MessagingDeps {
  readonly messages: MessageRepository;
  readonly accounts: AccountReader;
  readonly queue: MessageQueue;
  readonly clock: Clock;
  readonly cipher: FieldCipher;
  /** Blind index of the number (toIndex): data-subject requests find the message by it. */
  readonly hasher: Hasher;
  readonly newMessageId?: () => string;
  readonly metrics?: MessagingMetrics;
  /**
   * The account's operator-set messagesPerDay, enforced where set: the send API wires it. Verify's
   * OTP texts are bounded by their own per-number budgets (functions/verify/limits.ts) instead.
   */
  readonly dailyQuota?: DailyMessageQuota;
}

export interface AcceptMessageInput {
  readonly accountId: string;
  /** E.164, already validated by the caller (it is parsed again here for the country). */
  readonly to: string;
  readonly text: string;
  readonly from?: string;
  readonly priority: Priority;
  readonly validitySeconds?: number;
  /** Route only through carriers reached over TLS (OTP traffic may ask for it). */
  readonly requireTls?: boolean;
  readonly callbackUrl?: string;
  /** Free-form label for the caller, e.g. "verify:ver_…"; never shown to the recipient. */
  readonly tag?: string;
  /** Send later (at most 15 minutes ahead); a past or present time sends now. */
  readonly scheduleAt?: Date;
  /** The API key or user asking; stored on the message for incident exposure queries. */
  readonly createdBy?: CreatedBy;
}

export type { AcceptedMessage } from "./model.ts";

const DEFAULT_VALIDITY_SECONDS: Readonly<Record<Priority, number>> = {
  otp: 10 * 60,
  high: 48 * 3600,
  normal: 48 * 3600,
  low: 72 * 3600,
};
const DAY_SECONDS = 24 * 3600;

export function defaultMessagingDeps(): MessagingDeps {
  return {
    messages: dynamoMessageRepository(),
    accounts: dynamoAccountReader(),
    queue: sqsMessageQueue(),
    clock: systemClock,
    cipher: fieldCipher(),
    hasher: hasher(),
    metrics: messagingMetrics(),
  };
}

function delayOf(scheduleAt: Date | undefined, now: Date): number {
  if (!scheduleAt) return 0;
  const seconds = Math.ceil((scheduleAt.getTime() - now.getTime()) / 1000);
  if (seconds > MAX_SCHEDULE_AHEAD_SECONDS) {
    throw new DomainError(
      "unprocessable-entity",
      "scheduleAt more than 15 minutes ahead is not supported yet",
      {
        errors: [{ field: "scheduleAt", message: "more than 15 minutes ahead is not supported yet" }],
      },
    );
  }
  return Math.max(0, seconds);
}

/** The account's country allow-list refuses the destination: a policy refusal (audited by the send API). */
export class DestinationNotAllowed extends DomainError {
  constructor(readonly country: string) {
    super("unprocessable-entity", `Sending to ${country} is not enabled for this account`, {
      errors: [{ field: "to", message: `destination country ${country} is not enabled` }],
    });
  }
}

/** A priced, sealed message ready to be written, and what the API answers for it. */
export interface PreparedMessage {
  readonly message: StoredMessage;
  readonly accepted: AcceptedMessage;
  readonly delaySeconds: number;
  /** The account's daily limit when it has one. */
  readonly messagesPerDay?: number;
}

/** Validates against the account, prices and seals the message; writes nothing. */
export async function prepareMessage(
  input: AcceptMessageInput,
  deps: MessagingDeps,
): Promise<PreparedMessage> {
  const destination = parsePhone(input.to);
  const { segments, encoding } = segmentsOrThrow(input.text);
  const account = await deps.accounts.getAccount(input.accountId);
  if (!account) throw new DomainError("forbidden", "Account not found or disabled");
  if (!account.allowedCountries.includes(destination.country)) {
    throw new DestinationNotAllowed(destination.country);
  }
  const now = deps.clock.now();
  const delaySeconds = delayOf(input.scheduleAt, now);
  const sendAt = new Date(now.getTime() + delaySeconds * 1000);
  const validity = input.validitySeconds ?? DEFAULT_VALIDITY_SECONDS[input.priority];
  const validUntil = new Date(sendAt.getTime() + validity * 1000);
  const id = (deps.newMessageId ?? (() => newId("msg")))();
  const binding = (field: "to" | "text") => ({ accountId: input.accountId, messageId: id, field });
  const [toCipher, textCipher, toIndex] = await Promise.all([
    sealField(deps.cipher, binding("to"), destination.e164),
    sealField(deps.cipher, binding("text"), input.text),
    deps.hasher.hmac("phone-index", destination.e164),
  ]);
  const status = delaySeconds > 0 ? "scheduled" : "queued";
  const price = priceFor(destination.country, segments);
  // Retention never ends before the message could still be sent, plus a day for its DLR. The body's
  // own expiry counts only once the message is sent or final (the read filter and the purge check
  // the status), so it always lives until it is sent.
  const { retention } = account;
  const expiresAt = Math.max(
    epochSeconds(now) + retention.messageMetadataDays * DAY_SECONDS,
    epochSeconds(validUntil) + DAY_SECONDS,
  );
  const bodyExpiresAt = Math.min(expiresAt, epochSeconds(now) + retention.messageBodyDays * DAY_SECONDS);
  const message: StoredMessage = {
    id,
    accountId: input.accountId,
    status,
    priority: input.priority,
    toCipher,
    textCipher,
    toMasked: maskPhone(destination.e164),
    toIndex,
    country: destination.country,
    ...(input.from ? { from: input.from } : {}),
    segments,
    encoding,
    price,
    requireTls: input.requireTls ?? false,
    ...(input.callbackUrl ? { callbackUrl: input.callbackUrl } : {}),
    ...(input.tag ? { tag: input.tag } : {}),
    createdAt: now.toISOString(),
    ...(input.createdBy ? { createdBy: { type: input.createdBy.type, id: input.createdBy.id } } : {}),
    ...(delaySeconds > 0 ? { scheduledAt: sendAt.toISOString() } : {}),
    validUntil: validUntil.toISOString(),
    expiresAt,
    bodyExpiresAt,
    ...(retention.messageBodyDays === 0 ? { forgetBodyWhenSent: true } : {}),
  };
  return {
    message,
    accepted: { id, status, segments, encoding, price },
    delaySeconds,
    ...(account.messagesPerDay !== undefined ? { messagesPerDay: account.messagesPerDay } : {}),
  };
}

/**
 * Takes one of the account's messages for today BEFORE the message is written (atomic reservation;
 * 429 daily-limit-reached when none is left). Undefined when no limit applies.
 */
export async function reserveDailyMessage(
  prepared: PreparedMessage,
  deps: MessagingDeps,
): Promise<QuotaReservation | undefined> {
  if (!deps.dailyQuota || prepared.messagesPerDay === undefined) return undefined;
  return deps.dailyQuota.reserve(prepared.message.accountId, prepared.messagesPerDay);
}

/** Gives a reservation back when its message was not accepted, keeping the original error. */
export async function releaseAfterFailure(reservation: QuotaReservation | undefined): Promise<void> {
  await reservation?.release().catch((error: unknown) => {
    // The counter then holds one message too many until the day ends: safe side of the limit.
    logger.error("daily quota reservation not given back", { error: error as Error });
  });
}

/** Logs and counts a message that is stored and on its queue. */
export function noteAccepted({ message, accepted }: PreparedMessage, deps: MessagingDeps): void {
  deps.metrics?.accepted(message.priority, accepted.segments);
  logger.info("message accepted", {
    messageId: message.id,
    to: message.toMasked,
    country: message.country,
    priority: message.priority,
    segments: accepted.segments,
    status: accepted.status,
  });
}

/**
 * Accepts a message sent without an Idempotency-Key (and OTP texts from Verify). With a key, the
 * send API goes through acceptMessageOnce (send-once.ts) instead.
 */
export async function acceptMessage(
  input: AcceptMessageInput,
  deps: MessagingDeps,
): Promise<AcceptedMessage> {
  const prepared = await prepareMessage(input, deps);
  const { message, delaySeconds } = prepared;
  const reservation = await reserveDailyMessage(prepared, deps);
  try {
    await deps.messages.create(message);
  } catch (error) {
    await releaseAfterFailure(reservation);
    throw error;
  }
  try {
    await deps.queue.enqueue(queueFor(input.priority), message.id, delaySeconds);
  } catch (error) {
    // No queue entry means no dispatch: remove the message so it never sits "queued" forever.
    // Without a key the caller cannot find it again; it gets a 503 and may send it anew.
    logger.error("enqueue failed; discarding message", { messageId: message.id, error: error as Error });
    await deps.messages.discard(message.id).catch((discardError: unknown) => {
      logger.error("discard after enqueue failure failed; message left queued", {
        messageId: message.id,
        error: discardError as Error,
      });
    });
    await releaseAfterFailure(reservation);
    throw new DomainError("service-unavailable", "The message could not be queued; retry later");
  }
  noteAccepted(prepared, deps);
  return prepared.accepted;
}

export { getMessage, type MessageViewData, toView } from "./read.ts";
