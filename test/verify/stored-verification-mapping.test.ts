import { describe, expect, it } from "vitest";
import { epochSeconds } from "../../functions/shared/clock.ts";
import type { VerificationRecord } from "../../functions/verify/ports.ts";
import { verificationRecordOf } from "../../functions/verify/stored-verification.ts";

import { expectMalformedItem } from "../support/stored-items.ts";

/**
 * A verification item read back from the verifications table becomes a VerificationRecord by a
 * parse (pure: TEXTGATE_TEST_PLATFORM=0): table attributes stay behind, items from before
 * namespaces and message ids read, and a malformed item fails with table and field, never the value.
 */
const now = new Date();
const PHONE_LIKE = "+37255512345";

const fullRecord: VerificationRecord = {
  id: "ver_01JFULL",
  accountId: "acc_01JFULL",
  namespace: "dashboard",
  channel: "sms",
  status: "approved",
  toEncrypted: "sealed-to",
  toIndex: "blind-index",
  toMasked: "+372*****345",
  country: "EE",
  prefix: "+3725",
  codeHash: "hmac-of-code",
  codeLength: 6,
  locale: "et",
  checkAttempts: 1,
  sendAttempts: 2,
  codeExpiresAt: epochSeconds(now) + 600,
  expirySeconds: 600,
  expiresAt: epochSeconds(now) + 3600,
  createdAt: now.toISOString(),
  createdBy: { type: "user", id: "usr_01J" },
  updatedAt: now.toISOString(),
  approvedAt: now.toISOString(),
  messageIds: ["msg_01JA", "msg_01JB"],
};

const fullItem = (): Record<string, unknown> => ({
  pk: fullRecord.id,
  ...fullRecord,
  numberKey: "acc_01JFULL#blind-index",
  outboxShard: "OUTBOX#1",
  outboxDueAt: now.toISOString(),
  pendingEvents: new Set(["verification.approved"]),
});

describe("stored verification mapping", () => {
  it("maps every record field and leaves the table's own attributes behind", () => {
    expect(verificationRecordOf(fullItem())).toStrictEqual(fullRecord);
  });

  it("reads an item from before namespaces, message ids and createdBy as an API verification", () => {
    const {
      namespace: _namespace,
      messageIds: _messageIds,
      createdBy: _createdBy,
      approvedAt: _approvedAt,
      ...old
    } = fullItem();
    const record = verificationRecordOf({ ...old, status: "pending" });
    expect(record.namespace).toBe("api");
    expect(record.messageIds).toStrictEqual([]);
    expect(record).not.toHaveProperty("createdBy");
    expect(record).not.toHaveProperty("approvedAt");
    expect(record.codeHash).toBe(fullRecord.codeHash);
  });

  it.each([
    ["a counter of another type", { checkAttempts: PHONE_LIKE }, "checkAttempts"],
    ["a required field missing", { toEncrypted: undefined }, "toEncrypted"],
    ["an unknown namespace", { namespace: PHONE_LIKE }, "namespace"],
    ["a status outside the stored ones", { status: PHONE_LIKE }, "status"],
    ["message ids of another type", { messageIds: [37255512345] }, "messageIds.0"],
    ["a creator of another shape", { createdBy: { type: "user", id: 37255512345 } }, "createdBy.id"],
  ])("refuses %s, naming the table and field but not the value", (_case, change, field) => {
    const item = { ...fullItem(), ...change };
    expectMalformedItem(() => verificationRecordOf(item), { table: "verifications", field }, "37255512345");
  });
});
