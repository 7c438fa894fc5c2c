/**
 * POST /v1/privacy/erasures through the local platform: the eraser (privacy-erasures queue) deletes
 * every message, verification, pointer and Idempotency-Key binding of the number in the account, the
 * receipt counts them and carries a valid signature, no raw item of messages or verifications keeps
 * the number's blind index afterwards, and a message still queued at erasure time is never sent.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { queryAuditEvents } from "../../functions/audit/store.ts";
import { receiptSignatureIsValid } from "../../functions/privacy/receipt-signature.ts";
import { systemClock } from "../../functions/shared/clock.ts";
import { tableName } from "../../functions/shared/config.ts";
import { hasher } from "../../functions/shared/secrets.ts";
import { useLocalPlatformEnv } from "../support/env.ts";
import { outbox } from "../support/outbox.ts";
import { scanAll } from "../support/platform.ts";
import { estonianMobile } from "../verify/support.ts";
import { call, completedReceipt, createPrivacyAccount, type PrivacyAccount, send } from "./support.ts";

useLocalPlatformEnv();

let account: PrivacyAccount;
let other: PrivacyAccount;
beforeAll(async () => {
  [account, other] = await Promise.all([createPrivacyAccount(), createPrivacyAccount()]);
});

/** Raw items of a table in which any attribute (keys included) mentions `needle`. */
async function itemsMentioning(table: string, needle: string): Promise<Record<string, unknown>[]> {
  return (await scanAll({ TableName: tableName(table) })).filter((item) =>
    JSON.stringify(item).includes(needle),
  );
}

const inSeconds = (seconds: number): string => new Date(Date.now() + seconds * 1000).toISOString();

describe("data-subject erasure", () => {
  it("deletes the number's items, signs a receipt with the counts, and a queued message is never sent", async () => {
    const subject = estonianMobile();
    const neighbour = estonianMobile();
    const toIndex = await hasher().hmac("phone-index", subject);
    await send(account, { to: subject, text: "plain" });
    await send(account, { to: subject, text: "keyed" }, { "Idempotency-Key": crypto.randomUUID() });
    const started = await call(
      account.apiKey,
      "POST",
      "/v1/verifications",
      { to: subject, channel: "sms" },
      { "Idempotency-Key": crypto.randomUUID() },
    );
    expect(started.status).toBe(201);
    // Still on its queue (SQS delay) when the erasure runs; the control message to another number
    // is due after it on the same queue, so once the control arrived the dispatcher had its turn.
    const queuedText = `queued ${crypto.randomUUID()}`;
    const queuedDue = inSeconds(8);
    await send(account, { to: subject, text: queuedText, scheduleAt: queuedDue });
    const controlText = `control ${crypto.randomUUID()}`;
    await send(account, { to: neighbour, text: controlText, scheduleAt: inSeconds(10) });
    const otherAccountsMessage = await send(other, { to: subject, text: "not this account's" });
    expect((await itemsMentioning("messages", toIndex)).length).toBeGreaterThanOrEqual(5);

    const requested = await call(account.ownerToken, "POST", "/v1/privacy/erasures", { phone: subject });
    expect(requested.status, JSON.stringify(requested.body)).toBe(202);
    expect(requested.body).toEqual({ id: expect.stringMatching(/^dse_/), status: "pending" });
    const receipt = await completedReceipt(account, requested.body.id);

    expect(receipt).toMatchObject({
      id: requested.body.id,
      accountId: account.accountId,
      status: "completed",
      // plain + keyed + OTP text + queued; send key + verification key; the verification and its pointer.
      counts: {
        messages: 4,
        idempotencyRecords: 2,
        verifications: 1,
        verificationPointers: 1,
        smppParts: 0,
        smppReceiptRefs: 0,
      },
    });
    expect(Date.parse(receipt.startedAt)).toBeLessThanOrEqual(Date.parse(receipt.completedAt));
    expect(receipt.completedAt < queuedDue, "the erasure must finish while the message still waits").toBe(
      true,
    );
    expect(await receiptSignatureIsValid(receipt)).toBe(true);
    expect(await receiptSignatureIsValid({ ...receipt, counts: { ...receipt.counts, messages: 3 } })).toBe(
      false,
    );

    // Nothing of this account keeps the blind index; the other account's message is its own.
    const left = [
      ...(await itemsMentioning("messages", toIndex)),
      ...(await itemsMentioning("verifications", toIndex)),
    ];
    expect(left.map((item) => item.accountId)).toEqual([other.accountId]);
    expect(left.map((item) => item.id)).toEqual([otherAccountsMessage]);
    const bindings = (await scanAll({ TableName: tableName("messages") }))
      .concat(await scanAll({ TableName: tableName("verifications") }))
      .filter((item) => String(item.pk).toLowerCase().startsWith(`idem#${account.accountId.toLowerCase()}#`));
    expect(bindings).toEqual([]);

    // Audit events stay, without the number; the erasure itself is audited.
    const audit = await queryAuditEvents({ accountId: account.accountId, limit: 100 }, systemClock);
    expect(audit.events.map((event) => event.action)).toEqual(
      expect.arrayContaining(["privacy.erasure.requested", "privacy.erasure.completed"]),
    );
    expect(JSON.stringify(audit.events)).not.toContain(subject.slice(1));
    expect(JSON.stringify(audit.events)).not.toContain(toIndex);

    await expect
      .poll(async () => (await outbox(neighbour)).map((entry) => entry.text), {
        timeout: 30_000,
        interval: 200,
      })
      .toContain(controlText);
    expect((await outbox(subject)).map((entry) => entry.text)).not.toContain(queuedText);
  });

  it("a receipt of another account reads as not found", async () => {
    const requested = await call(account.ownerToken, "POST", "/v1/privacy/erasures", {
      phone: estonianMobile(),
    });
    const foreign = await call(other.ownerToken, "GET", `/v1/privacy/erasures/${requested.body.id}`);
    expect(foreign.status).toBe(404);
    const receipt = await completedReceipt(account, requested.body.id);
    expect(receipt.counts).toEqual({
      messages: 0,
      smppParts: 0,
      smppReceiptRefs: 0,
      idempotencyRecords: 0,
      verifications: 0,
      verificationPointers: 0,
    });
    expect(await receiptSignatureIsValid(receipt)).toBe(true);
  });
});
