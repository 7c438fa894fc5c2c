import * as z from "zod";
import { epochSeconds } from "../shared/clock.ts";
import { storedCreatedBy } from "../shared/principal.ts";
import { type CoversEveryField, parseStoredItem } from "../shared/stored-item.ts";
import { pendingEventsOf } from "../webhooks/outbox.ts";
import type { Priority, StoredMessage } from "./model.ts";
import type { Encoding } from "./segments.ts";
import { bodyNoLongerNeeded, messageStatuses } from "./status.ts";

const priorities = ["otp", "high", "normal", "low"] as const satisfies readonly Priority[];
const encodings = ["GSM-7", "UCS-2"] as const satisfies readonly Encoding[];

/**
 * A message item of the `messages` table. This parse runs on every message read of the pipeline
 * (dispatch, receipts, status reads, verify), so it was measured: zod 4 compiles object schemas, and
 * a parse costs about what the cast with its rest-destructuring did (1-4 µs per read either way on a
 * loaded 2-core machine; hand-written field readers were ~4 times slower).
 * Attributes that are not message fields (pk, sk, carrierRef, numberKey, idempotencyBinding, the
 * outbox index keys, lastError) are dropped by the parse; pendingEvents (a string set) is read apart.
 */
const storedMessage = z.object({
  id: z.string(),
  accountId: z.string(),
  status: z.enum(messageStatuses),
  priority: z.enum(priorities),
  toCipher: z.string(),
  // Absent once retention took the body.
  textCipher: z.string().optional(),
  toMasked: z.string(),
  // Absent on messages stored before the blind index was kept.
  toIndex: z.string().optional(),
  country: z.string(),
  from: z.string().optional(),
  segments: z.number(),
  encoding: z.enum(encodings),
  price: z.object({ amount: z.string(), currency: z.string() }),
  requireTls: z.boolean(),
  callbackUrl: z.string().optional(),
  tag: z.string().optional(),
  createdAt: z.string(),
  // Absent on messages stored before the creating principal was recorded.
  createdBy: storedCreatedBy.optional(),
  scheduledAt: z.string().optional(),
  validUntil: z.string(),
  sentAt: z.string().optional(),
  deliveredAt: z.string().optional(),
  failedAt: z.string().optional(),
  cancelledAt: z.string().optional(),
  carrierId: z.string().optional(),
  carrierMessageId: z.string().optional(),
  submission: z
    .object({
      id: z.string(),
      carrierId: z.string(),
      leaseUntil: z.number(),
      attempt: z.number(),
      routePrefix: z.string().optional(),
      notAccepted: z.boolean().optional(),
    })
    .optional(),
  error: z.object({ code: z.string(), reason: z.string() }).optional(),
  expiresAt: z.number(),
  // Absent on messages stored before body retention: expiresAt rules them.
  bodyExpiresAt: z.number().optional(),
  forgetBodyWhenSent: z.boolean().optional(),
});

/** Does not compile while a field of StoredMessage (but pendingEvents, read apart) is missing above. */
export const schemaCoversStoredMessage: CoversEveryField<
  Omit<StoredMessage, "pendingEvents">,
  z.output<typeof storedMessage>
> = true;

/**
 * The body read filter lives here, where every reader (dispatch, the SMPP connector, verify) gets
 * its messages: a body past its bodyExpiresAt is never handed out once the message is sent or
 * final, even while the purge has not removed it yet. Until then it is still to be sent, so it lives
 * (dispatch expires it at validUntil).
 *
 * Throws MalformedItemError (table and field, never the value) for an item of the wrong shape.
 */
export function storedMessageOf(item: Readonly<Record<string, unknown>>, now: Date): StoredMessage {
  const parsed = parseStoredItem("messages", storedMessage, item);
  // The usual read copies nothing after the parse; only the rare cases below build a new object.
  let message: StoredMessage = parsed;
  const bodyExpired =
    parsed.textCipher !== undefined &&
    parsed.bodyExpiresAt !== undefined &&
    parsed.bodyExpiresAt <= epochSeconds(now) &&
    bodyNoLongerNeeded(parsed.status);
  if (bodyExpired) {
    const { textCipher: _withheld, ...withoutBody } = parsed;
    message = withoutBody;
  }
  const pendingEvents = pendingEventsOf(item);
  return pendingEvents.length > 0 ? { ...message, pendingEvents } : message;
}
