import { describe, expect, it } from "vitest";
import type { CarrierAdapter, CarrierRoute } from "../../functions/carriers/model.ts";
import { TransientCarrierError } from "../../functions/carriers/model.ts";
import { type DispatchDeps, dispatchMessage, RetryLaterError } from "../../functions/dispatch/service.ts";
import type { StoredMessage } from "../../functions/messages/model.ts";
import type { MessageStateStore } from "../../functions/messages/state-store.ts";
import { canTransition, sourcesOf } from "../../functions/messages/status.ts";
import type { FieldCipher } from "../../functions/shared/crypto.ts";

/**
 * The dispatch protocol against a pure in-memory model of the conditional writes, with crashes
 * injected at every step. Whatever the crash pattern, the carrier accepts the message at most once,
 * and the message ends "sent" once deliveries stop crashing.
 */
class Crash extends Error {}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function memoryStore(initial: StoredMessage, crashes: () => boolean): MessageStateStore {
  let item: Mutable<StoredMessage> = structuredClone(initial) as Mutable<StoredMessage>;
  const write = (apply: () => void) => {
    if (crashes()) throw new Crash("crash before write");
    apply();
  };
  return {
    get: async () => structuredClone(item),
    async claim(_id, lease, takeOver) {
      const ok = takeOver
        ? item.status === "submitting" &&
          item.submission?.id === takeOver.submissionId &&
          item.submission.leaseUntil < takeOver.nowMs
        : item.status === "queued" || item.status === "scheduled";
      if (ok)
        write(
          () => (item = { ...item, status: "submitting", submission: lease, carrierId: lease.carrierId }),
        );
      return ok;
    },
    async markSent(_id, lease, carrierMessageId, at) {
      if (item.submission?.id !== lease.id) return false;
      write(() => {
        if (item.status === "submitting") item = { ...item, status: "sent", sentAt: at, carrierMessageId };
        else
          item = {
            ...item,
            sentAt: item.sentAt ?? at,
            carrierMessageId: item.carrierMessageId ?? carrierMessageId,
          };
      });
      return true;
    },
    async finish(_id, to, error, at, submissionId) {
      const ok =
        sourcesOf(to).includes(item.status) && (!submissionId || item.submission?.id === submissionId);
      if (ok) write(() => (item = { ...item, status: to, error, failedAt: at }));
      return ok;
    },
    async cancelQueued(_id, at) {
      const ok = canTransition(item.status, "cancelled");
      if (ok) write(() => (item = { ...item, status: "cancelled", cancelledAt: at }));
      return ok;
    },
    async noteAttemptError() {},
    async applyReport(_id, report) {
      const ok = canTransition(item.status, report.status) && item.carrierId === report.carrierId;
      if (ok) item = { ...item, status: report.status };
      return ok;
    },
  };
}

function memoryCarrier(random: () => number, crashRate: number) {
  const accepted = new Map<string, string>();
  let submissions = 0;
  const adapter: CarrierAdapter = {
    async submit(s) {
      const roll = random();
      if (roll < crashRate / 3) throw new Crash("crash before the carrier call");
      if (roll < (2 * crashRate) / 3) throw new TransientCarrierError("503");
      submissions += 1;
      accepted.set(s.reference, `c-${submissions}`);
      if (roll < crashRate) throw new Crash("crash after the carrier accepted");
      return { carrierMessageId: `c-${submissions}` };
    },
    async lookup(reference) {
      // A carrier that sometimes cannot answer: unknown must never lead to a second submission.
      if (random() < crashRate / 3) return { outcome: "unknown", reason: "lookup 503" };
      const id = accepted.get(reference);
      return id ? { outcome: "received", carrierMessageId: id } : { outcome: "not-received" };
    },
  };
  return { adapter, submissions: () => submissions };
}

const route: CarrierRoute = {
  carrierId: "model",
  name: "model",
  protocol: "http",
  baseUrl: "https://model.example",
  tls: true,
  prefixes: [""],
  priority: 1,
  weight: 1,
  enabled: true,
};

const plainCipher: FieldCipher = { encrypt: async (v) => v, decrypt: async (v) => v };

const message = (now: number): StoredMessage => ({
  id: "msg_01JAAAAAAAAAAAAAAAAAAAAAAA",
  accountId: "acc_model",
  status: "queued",
  priority: "normal",
  // plainCipher: the "ciphertext" is the sealed plaintext itself.
  toCipher: JSON.stringify({ messageId: "msg_01JAAAAAAAAAAAAAAAAAAAAAAA", value: "+37256123456" }),
  textCipher: JSON.stringify({ messageId: "msg_01JAAAAAAAAAAAAAAAAAAAAAAA", value: "hello" }),
  toMasked: "+********456",
  country: "EE",
  segments: 1,
  encoding: "GSM-7",
  price: { amount: "0.0450", currency: "EUR" },
  requireTls: false,
  createdAt: new Date(now).toISOString(),
  validUntil: new Date(now + 48 * 3600_000).toISOString(),
  expiresAt: Math.floor(now / 1000) + 30 * 86400,
});

function seeded(seed: number) {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

describe("dispatch protocol under crashes (pure model)", () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8])(
    "seed %i: 300 runs, at most one carrier acceptance each",
    async (seed) => {
      const random = seeded(seed);
      for (let run = 0; run < 300; run++) {
        let nowMs = Date.parse("2026-01-01T00:00:00Z");
        const crashRate = 0.6;
        let crashing = true;
        const store = memoryStore(message(nowMs), () => crashing && random() < 0.15);
        const carrier = memoryCarrier(() => (crashing ? random() : 1), crashRate);
        const deps: DispatchDeps = {
          store,
          routes: async () => [route],
          adapterFor: async () => carrier.adapter,
          cipher: plainCipher,
          clock: { now: () => new Date(nowMs) },
          leaseMs: 30_000,
          defaultSender: "Test",
        };
        // Two workers sometimes get the same record at the same moment (SQS at-least-once).
        for (let delivery = 1; delivery <= 40; delivery++) {
          if (delivery > 20) crashing = false;
          const workers = random() < 0.2 ? 2 : 1;
          const results = await Promise.allSettled(
            Array.from({ length: workers }, () =>
              dispatchMessage(
                { messageId: "m", receiveCount: Math.min(delivery, 4), maxReceiveCount: 5 },
                deps,
              ),
            ),
          );
          for (const result of results) {
            if (result.status === "rejected") {
              expect(result.reason instanceof Crash || result.reason instanceof RetryLaterError).toBe(true);
            }
          }
          expect(carrier.submissions()).toBeLessThanOrEqual(1);
          const status = (await store.get("m"))?.status;
          if (status === "sent") break;
          nowMs += 61_000; // the visibility timeout before SQS delivers the record again
        }
        expect(carrier.submissions()).toBe(1);
        expect((await store.get("m"))?.status).toBe("sent");
      }
    },
  );
});
