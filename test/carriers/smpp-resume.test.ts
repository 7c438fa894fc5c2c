import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SmppBind } from "../../functions/carriers/smpp/bind.ts";
import { encodeParts } from "../../functions/carriers/smpp/encoding.ts";
import { dynamoSmppPartStore } from "../../functions/carriers/smpp/part-store.ts";
import { concatReference } from "../../functions/carriers/smpp/service.ts";
import { dynamoMessageStateStore } from "../../functions/messages/state-store.ts";
import { storeMessage } from "../dispatch/support.ts";
import { createTestAccount, type TestAccount } from "../messages/support.ts";
import { useLocalPlatformEnv } from "../support/env.ts";
import { type SmppRig, startSmppRig } from "./smpp-support.ts";

useLocalPlatformEnv();

/**
 * At-most-once across a crash: an attempt that died after the SMSC accepted part 1 of 3 leaves the
 * message "submitting" with that part recorded. The next attempt (lease over) sends parts 2 and 3
 * only, with the same concatenation reference, so the handset still gets one whole text.
 */
let rig: SmppRig;
let account: TestAccount;
const store = dynamoMessageStateStore();
const parts = dynamoSmppPartStore();

beforeAll(async () => {
  [rig, account] = await Promise.all([startSmppRig({}), createTestAccount(["DE"])]);
});
afterAll(async () => {
  await rig?.stop();
});

describe("a resumed SMPP attempt", () => {
  it("submits only the parts the SMSC never accepted", async () => {
    const to = `+4917677${String(Date.now()).slice(-5)}`;
    const text = `Ответ: ${"часть длинного сообщения ".repeat(7)}`;
    const id = await storeMessage({ accountId: account.accountId, to, text });
    const stored = await store.get(id);
    if (!stored) throw new Error("message not stored");
    const encoded = encodeParts(text, "udh", concatReference(id));
    expect(encoded.length).toBe(3);

    // The crashed attempt: claimed, part 1 accepted by the SMSC and recorded, then the process died.
    const lease = { id: "crashed", carrierId: rig.entry.id, leaseUntil: Date.now() - 1, attempt: 1 };
    expect(await store.claim(id, lease)).toBe(true);
    const crashedBind = new SmppBind(rig.entry, {
      password: rig.smsc.password,
      hooks: { onDeliverSm: async () => true },
    });
    crashedBind.start();
    const first = encoded[0];
    if (!first) throw new Error("no first part");
    const accepted = await crashedBind.submit(first, { from: "Textgate", to }, Date.now() + 10_000);
    await crashedBind.stop();
    if (accepted.kind !== "accepted") throw new Error(`part 1 not accepted: ${accepted.kind}`);
    await parts.recordAccepted(
      id,
      { seq: 1, total: 3, carrierId: rig.entry.id, carrierMessageId: accepted.carrierMessageId },
      stored.expiresAt,
    );

    expect(await rig.connector.submit(id)).toBe("sent");
    const atSmsc = rig.smsc.accepted().filter((part) => part.destination === to);
    expect(atSmsc.map((part) => part.concat?.seq).sort()).toEqual([1, 2, 3]);
    expect(rig.smsc.delivered(to)).toEqual([{ destination: to, text, parts: 3 }]);
    const message = await store.get(id);
    expect(message?.carrierMessageId).toBe(accepted.carrierMessageId);
    expect(message?.submission?.attempt).toBe(2);
  });
});
