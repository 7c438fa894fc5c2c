import { describe, expect, it } from "vitest";
import type { StoredMessage } from "../../functions/messages/model.ts";
import type { MessageTransitions, Moved } from "../../functions/messages/state-store.ts";
import { withStatusEvents } from "../../functions/messages/status-events.ts";
import type { Outbox } from "../../functions/webhooks/outbox.ts";
import type { WebhookEventPublisher } from "../../functions/webhooks/publish.ts";

/** Which writes publish a webhook event: only applied ones, only for the status they moved to. */
const message = (status: StoredMessage["status"]): StoredMessage => ({
  id: "msg_01J0000000000000000000000A",
  accountId: "acc_1",
  status,
  priority: "normal",
  toCipher: "sealed",
  textCipher: "sealed",
  toMasked: "+********123",
  country: "EE",
  segments: 1,
  encoding: "GSM-7",
  price: { amount: "0.0500", currency: "EUR" },
  requireTls: false,
  createdAt: "2026-01-01T00:00:00.000Z",
  validUntil: "2026-01-02T00:00:00.000Z",
  expiresAt: 2_000_000_000,
  // The status write records its event as pending (outbox); the publisher publishes only that.
  ...(status === "sent" || status === "delivered" || status === "failed" || status === "expired"
    ? { pendingEvents: [`message.${status}`] }
    : {}),
});

/** The stored item as the write left it; `get` is what a re-read would see (the same item). */
function harness(
  applied: boolean,
  storedStatus: StoredMessage["status"],
  pending = true,
  get: () => Promise<StoredMessage | undefined> = async () => image(storedStatus, pending),
) {
  const published: string[] = [];
  const cleared: string[] = [];
  const outbox: Outbox = {
    clear: async (_table, _key, type) => void cleared.push(type),
    due: async () => [],
    release: async () => {},
    abandon: async () => {},
  };
  const publisher: WebhookEventPublisher = {
    publish: async (_account, payload) =>
      void published.push(`${payload.type} ${JSON.stringify(payload.data)}`),
  };
  const moved = async (): Promise<Moved> =>
    applied ? { applied, after: image(storedStatus, pending) } : { applied };
  const inner: MessageTransitions = {
    get,
    claim: async () => applied,
    markSent: moved,
    finish: moved,
    noteAttemptError: async () => {},
    applyReport: moved,
    cancelQueued: async () => applied,
  };
  return { store: withStatusEvents(inner, publisher, () => new Date(), outbox), published, cleared };
}

function image(status: StoredMessage["status"], pending: boolean): StoredMessage {
  const { pendingEvents: _pending, ...unmarked } = message(status);
  return pending ? message(status) : unmarked;
}

const lease = { id: "sub_1", carrierId: "sim", leaseUntil: 0, attempt: 1 };
const report = {
  status: "delivered",
  carrierId: "sim",
  carrierMessageId: "c1",
  at: "2026-01-01T00:00:01.000Z",
} as const;

describe("status changes publish webhook events", () => {
  it("an applied DLR publishes message.delivered with the stored view (masked number, no text)", async () => {
    const { store, published } = harness(true, "delivered");
    expect((await store.applyReport("msg_1", report)).applied).toBe(true);
    expect(published).toHaveLength(1);
    expect(published[0]).toMatch(/^message\.delivered /);
    expect(published[0]).toContain("+********123");
    expect(published[0]).not.toContain("sealed");
  });

  it("a published event is cleared from the outbox; a failed enqueue leaves it pending", async () => {
    const ok = harness(true, "delivered");
    await ok.store.applyReport("msg_1", report);
    expect(ok.cleared).toEqual(["message.delivered"]);

    const failing = harness(true, "delivered");
    const store = withStatusEvents(
      {
        ...failing.store,
        applyReport: async () => ({ applied: true, after: message("delivered") }),
        get: async () => message("delivered"),
      },
      {
        publish: async () => {
          throw new Error("SQS unavailable");
        },
      },
      () => new Date(),
      {
        clear: async (_t, _k, type) => void failing.cleared.push(type),
        due: async () => [],
        release: async () => {},
        abandon: async () => {},
      },
    );
    // The status change stands (applied) and nothing is cleared: the sweeper publishes it later.
    expect((await store.applyReport("msg_1", report)).applied).toBe(true);
    expect(failing.cleared).toEqual([]);
  });

  it("publishes from the item the write returned, without reading the message again", async () => {
    const { store, published } = harness(true, "delivered", true, async () => {
      throw new Error("the status write's own image should have sufficed");
    });
    expect((await store.applyReport("msg_1", report)).applied).toBe(true);
    expect(published.map((entry) => entry.split(" ")[0])).toEqual(["message.delivered"]);
  });

  it("an event the write did not record as pending is not published", async () => {
    const { store, published } = harness(true, "delivered", false);
    expect((await store.applyReport("msg_1", report)).applied).toBe(true);
    expect(published).toEqual([]);
  });

  it("a write that lost its race publishes nothing", async () => {
    const { store, published } = harness(false, "delivered");
    expect((await store.applyReport("msg_1", report)).applied).toBe(false);
    expect((await store.finish("msg_1", "failed", { code: "x", reason: "y" }, report.at)).applied).toBe(
      false,
    );
    expect(published).toEqual([]);
  });

  it("markSent after a DLR overtook the dispatcher publishes no second event", async () => {
    const { store, published } = harness(true, "delivered");
    expect((await store.markSent("msg_1", lease, "c1", report.at)).applied).toBe(true);
    expect(published).toEqual([]);
  });

  it("finish publishes the final status it moved to (failed, expired)", async () => {
    const failed = harness(true, "failed");
    await failed.store.finish("msg_1", "failed", { code: "x", reason: "y" }, report.at);
    expect(failed.published.map((entry) => entry.split(" ")[0])).toEqual(["message.failed"]);
    const expired = harness(true, "expired");
    await expired.store.finish("msg_1", "expired", { code: "x", reason: "y" }, report.at);
    expect(expired.published.map((entry) => entry.split(" ")[0])).toEqual(["message.expired"]);
  });
});
