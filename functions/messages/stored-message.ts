import { epochSeconds } from "../shared/clock.ts";
import type { CreatedBy } from "../shared/principal.ts";
import {
  finiteNumber,
  flag,
  type ItemReaders,
  mapStoredItem,
  nested,
  oneOf,
  optional,
  text,
} from "../shared/stored-item.ts";
import { pendingEventsOf } from "../webhooks/outbox.ts";
import type { MessageError, Priority, StoredMessage, SubmissionLease } from "./model.ts";
import type { Price } from "./pricing.ts";
import type { Encoding } from "./segments.ts";
import { bodyNoLongerNeeded, messageStatuses } from "./status.ts";

/**
 * A message item of the `messages` table as a StoredMessage, field by field. This runs on every
 * message read of the pipeline (dispatch, receipts, status reads, verify), so it uses plain field
 * readers rather than a schema parse. Attributes that are not message fields (pk, sk, carrierRef,
 * numberKey, idempotencyBinding, the outbox index keys, lastError) are left behind.
 */

const priorities = { otp: true, high: true, normal: true, low: true } satisfies Record<Priority, true>;
const encodings = { "GSM-7": true, "UCS-2": true } satisfies Record<Encoding, true>;
const principalTypes = { apiKey: true, user: true } satisfies Record<CreatedBy["type"], true>;

const optionalText = optional(text);

const priceFields: ItemReaders<Price> = { amount: text, currency: text };

const createdByFields: ItemReaders<CreatedBy> = { type: oneOf(principalTypes), id: text };

const submissionFields: ItemReaders<SubmissionLease> = {
  id: text,
  carrierId: text,
  leaseUntil: finiteNumber,
  attempt: finiteNumber,
  routePrefix: optionalText,
  notAccepted: optional(flag),
};

const errorFields: ItemReaders<MessageError> = { code: text, reason: text };

/** Every field but the two read apart: the body (read filter) and pendingEvents (a string set). */
const messageFields: ItemReaders<Omit<StoredMessage, "textCipher" | "pendingEvents">> = {
  id: text,
  accountId: text,
  status: oneOf(messageStatuses),
  priority: oneOf(priorities),
  toCipher: text,
  toMasked: text,
  // Absent on messages stored before the blind index was kept.
  toIndex: optionalText,
  country: text,
  from: optionalText,
  segments: finiteNumber,
  encoding: oneOf(encodings),
  price: nested(priceFields),
  requireTls: flag,
  callbackUrl: optionalText,
  tag: optionalText,
  createdAt: text,
  // Absent on messages stored before the creating principal was recorded.
  createdBy: optional(nested(createdByFields)),
  scheduledAt: optionalText,
  validUntil: text,
  sentAt: optionalText,
  deliveredAt: optionalText,
  failedAt: optionalText,
  cancelledAt: optionalText,
  carrierId: optionalText,
  carrierMessageId: optionalText,
  submission: optional(nested(submissionFields)),
  error: optional(nested(errorFields)),
  expiresAt: finiteNumber,
  // Absent on messages stored before body retention: expiresAt rules them.
  bodyExpiresAt: optional(finiteNumber),
  forgetBodyWhenSent: optional(flag),
};

const readTextCipher = optionalText;

/**
 * The body read filter lives here, where every reader (dispatch, the SMPP connector, verify) gets
 * its messages: a body past its bodyExpiresAt is never handed out once the message is sent or
 * final, even while the purge has not removed it yet. Until then it is still to be sent, so it lives
 * (dispatch expires it at validUntil). A body the purge removed is absent.
 *
 * Throws MalformedItemError (table and field, never the value) for an item of the wrong shape.
 */
export function storedMessageOf(item: Readonly<Record<string, unknown>>, now: Date): StoredMessage {
  const message = mapStoredItem("messages", messageFields, item);
  const bodyExpired =
    message.bodyExpiresAt !== undefined &&
    message.bodyExpiresAt <= epochSeconds(now) &&
    bodyNoLongerNeeded(message.status);
  const textCipher = bodyExpired
    ? undefined
    : mapStoredItem("messages", { textCipher: readTextCipher }, item).textCipher;
  const pendingEvents = pendingEventsOf(item);
  return {
    ...message,
    ...(textCipher !== undefined ? { textCipher } : {}),
    ...(pendingEvents.length > 0 ? { pendingEvents } : {}),
  };
}
