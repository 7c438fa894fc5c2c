import { describe, expect, it } from "vitest";
import type { StoredMessage } from "../../functions/messages/model.ts";
import { toStoredMessage } from "../../functions/messages/store.ts";
import { epochSeconds } from "../../functions/shared/clock.ts";

import { expectMalformedItem } from "../support/stored-items.ts";

/**
 * A message item read back from the messages table becomes a StoredMessage field by field (pure:
 * TEXTGATE_TEST_PLATFORM=0). Table attributes stay behind, old items read, and a malformed item
 * fails with the table and the field but never the value (values may be personal data).
 */
const now = new Date();
const inAnHour = epochSeconds(now) + 3600;
const PHONE_LIKE = "+37255512345";

/** Every field a message can have, as the current writers store it. */
const fullMessage: StoredMessage = {
  id: "msg_01JFULL",
  accountId: "acc_01JFULL",
  status: "sent",
  priority: "normal",
  toCipher: "sealed-to",
  textCipher: "sealed-text",
  toMasked: "+372*****345",
  toIndex: "blind-index",
  country: "EE",
  from: "Textgate",
  segments: 2,
  encoding: "UCS-2",
  price: { amount: "0.0900", currency: "EUR" },
  requireTls: true,
  callbackUrl: "https://example.com/hook",
  tag: "welcome",
  createdAt: now.toISOString(),
  createdBy: { type: "apiKey", id: "key_01J" },
  scheduledAt: now.toISOString(),
  validUntil: now.toISOString(),
  sentAt: now.toISOString(),
  deliveredAt: now.toISOString(),
  failedAt: now.toISOString(),
  cancelledAt: now.toISOString(),
  carrierId: "sim",
  carrierMessageId: "cm-1",
  submission: {
    id: "lease-1",
    carrierId: "sim",
    leaseUntil: Date.now() + 60_000,
    attempt: 2,
    routePrefix: "+372",
    notAccepted: true,
  },
  error: { code: "E1", reason: "refused" },
  expiresAt: inAnHour,
  bodyExpiresAt: inAnHour,
  forgetBodyWhenSent: false,
  pendingEvents: ["message.sent"],
};

/** The stored form: the message plus the attributes only the table needs. */
const tableAttributes = {
  pk: "MSG#msg_01JFULL",
  sk: "MESSAGE",
  carrierRef: "sim#cm-1",
  numberKey: "acc_01JFULL#blind-index",
  idempotencyBinding: { table: "messages", pk: "IDEM#x", sk: "KEY" },
  outboxShard: "OUTBOX#3",
  outboxDueAt: now.toISOString(),
  lastError: { code: "E0", reason: "throttled" },
};
const fullItem = (): Record<string, unknown> => ({
  ...fullMessage,
  ...tableAttributes,
  // DynamoDB reads a string set back as a Set.
  pendingEvents: new Set(["message.sent"]),
});

/** A message as the first version stored it: none of the fields added since. */
const oldItem = (): Record<string, unknown> => ({
  pk: "MSG#msg_01JOLD",
  sk: "MESSAGE",
  id: "msg_01JOLD",
  accountId: "acc_01JOLD",
  status: "queued",
  priority: "otp",
  toCipher: "sealed-to",
  textCipher: "sealed-text",
  toMasked: "+372*****345",
  country: "EE",
  segments: 1,
  encoding: "GSM-7",
  price: { amount: "0.0400", currency: "EUR" },
  requireTls: false,
  createdAt: now.toISOString(),
  validUntil: now.toISOString(),
  expiresAt: inAnHour,
});

describe("stored message mapping", () => {
  it("maps every message field and leaves the table's own attributes behind", () => {
    expect(toStoredMessage(fullItem(), now)).toStrictEqual(fullMessage);
  });

  it("reads a message stored before toIndex, createdBy, body retention and the outbox existed", () => {
    const { pk: _pk, sk: _sk, ...expected } = oldItem();
    const message = toStoredMessage(oldItem(), now);
    expect(message).toStrictEqual(expected);
    for (const added of ["toIndex", "createdBy", "bodyExpiresAt", "forgetBodyWhenSent", "pendingEvents"]) {
      expect(message).not.toHaveProperty(added);
    }
  });

  it("reads a message whose body the purge removed", () => {
    const { textCipher: _gone, ...purged } = fullItem();
    expect(toStoredMessage(purged, now)).not.toHaveProperty("textCipher");
  });

  it("hands out no body past bodyExpiresAt once sent, and keeps it while still to be sent", () => {
    const past = { ...fullItem(), bodyExpiresAt: epochSeconds(now) - 1 };
    expect(toStoredMessage(past, now)).not.toHaveProperty("textCipher");
    expect(toStoredMessage({ ...past, status: "queued" }, now).textCipher).toBe("sealed-text");
  });

  it.each([
    ["a required field of another type", { segments: PHONE_LIKE }, "segments"],
    ["a required field missing", { toCipher: undefined }, "toCipher"],
    ["a status outside the state machine", { status: PHONE_LIKE }, "status"],
    ["an optional field of another type", { toIndex: 37255512345 }, "toIndex"],
    ["a nested field of another type", { price: { amount: 37255512345, currency: "EUR" } }, "price.amount"],
    ["a nested map of another type", { submission: PHONE_LIKE }, "submission"],
    ["a body of another type", { textCipher: 37255512345 }, "textCipher"],
  ])("refuses %s, naming the table and field but not the value", (_case, change, field) => {
    const item = { ...fullItem(), ...change };
    expectMalformedItem(() => toStoredMessage(item, now), { table: "messages", field }, "37255512345");
  });
});
