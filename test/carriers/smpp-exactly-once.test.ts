import { randomInt } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { segmentInfo } from "../../functions/messages/segments.ts";
import { dynamoMessageStateStore } from "../../functions/messages/state-store.ts";
import { storeMessage } from "../dispatch/support.ts";
import { createTestAccount, type TestAccount } from "../messages/support.ts";
import { useLocalPlatformEnv } from "../support/env.ts";
import { eventually, type SmppRig, startSmppRig } from "./smpp-support.ts";

useLocalPlatformEnv();

/**
 * The done-when of issue 10 §2 against an SMSC the connector has never seen: throttling, system
 * errors, full queues, links dropped mid-window, rejected numbers, receipts on the bind that name
 * hex ids in decimal without the TLV. Every message must reach the SMSC exactly once (every part
 * once), and end delivered, undelivered or failed as the SMSC decided.
 */
let rig: SmppRig;
let account: TestAccount;
const store = dynamoMessageStateStore();

beforeAll(async () => {
  [rig, account] = await Promise.all([
    startSmppRig({
      faults: {
        throttleEvery: 7,
        systemErrorEvery: 11,
        queueFullEvery: 13,
        dropEvery: 29,
        rejectSuffix: "01",
        undeliveredSuffix: "02",
        refusedSuffix: "03",
        idBase: "hex",
        receiptTextBase: "decimal",
        receiptTlv: false,
      },
    }),
    createTestAccount(["DE"]),
  ]);
});
afterAll(async () => {
  await rig?.stop();
});

type Kind = "delivered" | "rejected" | "undelivered" | "refused";
const SUFFIX: Record<Kind, string> = { delivered: "55", rejected: "01", undelivered: "02", refused: "03" };
const EXPECTED_STATUS: Record<Kind, string> = {
  delivered: "delivered",
  rejected: "failed",
  undelivered: "undelivered",
  refused: "failed",
};

function textFor(i: number): string {
  if (i % 10 === 0) return `Долгий текст ${i}: ${"съешь же ещё этих мягких французских булок ".repeat(4)}`;
  if (i % 10 === 5)
    return `Long GSM text ${i} with [brackets] and €: ${"lorem ipsum dolor sit amet ".repeat(8)}`;
  return `Message ${i}: your code is ${String(100000 + i)}`;
}

describe("SMPP connector against a faulty SMSC", () => {
  it("sends 320 messages exactly once each and settles every status from receipts", {
    timeout: 180_000,
  }, async () => {
    const block = String(randomInt(10, 100));
    const plan = Array.from({ length: 320 }, (_, i) => {
      const kind: Kind =
        i % 16 === 3 ? "rejected" : i % 16 === 7 ? "undelivered" : i % 16 === 11 ? "refused" : "delivered";
      return { i, kind, to: `+49176${block}${String(i).padStart(4, "0")}${SUFFIX[kind]}`, text: textFor(i) };
    });
    const messages = await Promise.all(
      plan.map(async (item) => ({
        ...item,
        id: await storeMessage({ accountId: account.accountId, to: item.to, text: item.text }),
      })),
    );

    const outcomes = await Promise.all(messages.map((message) => rig.connector.submit(message.id)));
    // SQS delivers at least once: a second delivery of every record must not send anything again.
    const again = await Promise.all(messages.map((message) => rig.connector.submit(message.id)));

    expect(outcomes.filter((outcome) => outcome === "retry-later")).toEqual([]);
    expect(new Set(again)).toEqual(new Set(["done-already"]));
    const statuses = await eventually(
      () => Promise.all(messages.map(async (message) => (await store.get(message.id))?.status)),
      (all) => all.every((status) => status !== "sent" && status !== "submitting"),
    );
    expect(statuses).toEqual(messages.map((message) => EXPECTED_STATUS[message.kind]));

    for (const message of messages) {
      const received = rig.smsc.delivered(message.to);
      if (message.kind === "rejected") {
        expect(received).toEqual([]);
        expect((await store.get(message.id))?.error?.code).toBe("ESME_RINVDSTADR");
      } else {
        expect(received).toEqual([
          { destination: message.to, text: message.text, parts: segmentInfo(message.text).segments },
        ]);
      }
    }
    const expectedParts = messages
      .filter((message) => message.kind !== "rejected")
      .reduce((sum, message) => sum + segmentInfo(message.text).segments, 0);
    expect(rig.smsc.accepted().length).toBe(expectedParts);

    // The faults really happened, on TLS links only.
    const stats = rig.smsc.stats();
    expect(stats.drops).toBeGreaterThan(3);
    expect(stats.binds).toBe(stats.drops + 1);
    expect(rig.smsc.tls).toBe(true);
    expect(rig.plaintextSubmissions()).toBe(0);
  });

  it("a long UCS-2 text arrives as correctly concatenated parts with one reference", async () => {
    const to = `+49176${String(randomInt(10, 100))}9999${SUFFIX.delivered}`;
    const text = `Здравствуйте! ${"Ваш заказ №4711 доставлен, спасибо. ".repeat(5)}😀`;
    const id = await storeMessage({ accountId: account.accountId, to, text });
    expect(await rig.connector.submit(id)).toBe("sent");
    const parts = rig.smsc.accepted().filter((part) => part.destination === to);
    expect(parts.map((part) => part.dataCoding)).toEqual(parts.map(() => 8));
    expect(new Set(parts.map((part) => part.concat?.reference)).size).toBe(1);
    // Parts may arrive out of order (one was throttled and offered again); each arrives once.
    expect(parts.map((part) => part.concat?.seq).sort()).toEqual(parts.map((_, i) => i + 1));
    expect(rig.smsc.delivered(to)).toEqual([{ destination: to, text, parts: segmentInfo(text).segments }]);
  });
});
