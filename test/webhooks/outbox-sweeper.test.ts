import { describe, expect, it } from "vitest";
import type { WriteOutcome } from "../../functions/verify/ports.ts";
import type { Outbox, OutboxTable } from "../../functions/webhooks/outbox.ts";
import { sweepOutbox } from "../../functions/webhooks/outbox-sweeper.ts";
import type { WebhookEventPayload } from "../../functions/webhooks/schemas.ts";

/**
 * The sweeper's decisions per outbox item, against in-memory ports (pure logic). The items are
 * complete stored items: the sweeper maps them like every reader (a partial one is malformed).
 */
const now = new Date();
const nowSeconds = Math.floor(now.getTime() / 1000);

const messageItem = (id: string, pending: string[], extra: Record<string, unknown> = {}) => ({
  pk: `MSG#${id}`,
  sk: "MESSAGE",
  id,
  accountId: "acc_1",
  status: "delivered",
  priority: "normal",
  toCipher: "sealed-to",
  toMasked: "+********123",
  country: "EE",
  segments: 1,
  encoding: "GSM-7",
  price: { amount: "0.0500", currency: "EUR" },
  requireTls: false,
  createdAt: now.toISOString(),
  validUntil: now.toISOString(),
  expiresAt: nowSeconds + 3600,
  outboxShard: "OUTBOX#0",
  outboxDueAt: now.toISOString(),
  ...(pending.length > 0 ? { pendingEvents: new Set(pending) } : {}),
  ...extra,
});

const verificationItem = (id: string, codeExpiresAt: number) => ({
  pk: id,
  id,
  accountId: "acc_1",
  namespace: "api",
  channel: "sms",
  status: "pending",
  toEncrypted: "sealed-to",
  toIndex: "blind-index",
  toMasked: "+********456",
  country: "EE",
  prefix: "+3725",
  codeHash: "hmac-of-code",
  codeLength: 6,
  locale: "en",
  expirySeconds: 600,
  checkAttempts: 0,
  sendAttempts: 1,
  codeExpiresAt,
  expiresAt: codeExpiresAt + 86_400,
  createdAt: now.toISOString(),
  updatedAt: now.toISOString(),
  outboxShard: "OUTBOX#1",
  outboxDueAt: new Date(codeExpiresAt * 1000).toISOString(),
});

function harness(
  items: Partial<Record<OutboxTable, Record<string, unknown>[]>>,
  options: { expire?: WriteOutcome; publishFails?: boolean } = {},
) {
  const published: WebhookEventPayload[] = [];
  const calls: string[] = [];
  const outbox: Outbox = {
    clear: async (table, key, type) => void calls.push(`clear ${table} ${Object.values(key)[0]} ${type}`),
    due: async (table) => items[table] ?? [],
    release: async (table, key) => void calls.push(`release ${table} ${Object.values(key)[0]}`),
    abandon: async (table, key) => void calls.push(`abandon ${table} ${Object.values(key)[0]}`),
  };
  const deps = {
    clock: { now: () => now },
    outbox,
    publisher: {
      publish: async (_account: string, payload: WebhookEventPayload) => {
        if (options.publishFails) throw new Error("SQS unavailable");
        published.push(payload);
      },
    },
    expireVerification: async (id: string) => {
      calls.push(`expire ${id}`);
      return options.expire ?? "ok";
    },
  };
  return { deps, published, calls };
}

describe("outbox sweeper", () => {
  it("publishes every pending event of a message with its stored view, and clears each", async () => {
    const h = harness({ messages: [messageItem("msg_1", ["message.sent", "message.delivered"])] });
    expect(await sweepOutbox(h.deps)).toEqual({ expired: 0, published: 2, failed: 0 });
    expect(h.published.map((p) => `${p.type} ${p.data.id} ${p.data.status}`).sort()).toEqual([
      "message.delivered msg_1 delivered",
      "message.sent msg_1 delivered",
    ]);
    expect(h.calls.sort()).toEqual([
      "clear messages MSG#msg_1 message.delivered",
      "clear messages MSG#msg_1 message.sent",
    ]);
  });

  it("a failed publish stays pending (not cleared) for the next sweep", async () => {
    const h = harness({ messages: [messageItem("msg_1", ["message.failed"])] }, { publishFails: true });
    expect(await sweepOutbox(h.deps)).toEqual({ expired: 0, published: 0, failed: 1 });
    expect(h.calls).toEqual([]);
  });

  it("releases an item with nothing pending; abandons one past its retention without publishing", async () => {
    const h = harness({
      messages: [
        messageItem("msg_1", []),
        messageItem("msg_2", ["message.failed"], { expiresAt: nowSeconds - 1 }),
      ],
    });
    await sweepOutbox(h.deps);
    expect(h.calls).toEqual(["release messages MSG#msg_1", "abandon messages MSG#msg_2"]);
    expect(h.published).toEqual([]);
  });

  it("expires a pending verification past its code expiry and publishes verification.expired", async () => {
    const h = harness({ verifications: [verificationItem("ver_1", nowSeconds - 1)] });
    expect(await sweepOutbox(h.deps)).toEqual({ expired: 1, published: 1, failed: 0 });
    expect(h.published).toEqual([
      expect.objectContaining({
        type: "verification.expired",
        data: expect.objectContaining({ id: "ver_1", status: "expired" }),
      }),
    ]);
    expect(h.calls).toEqual(["expire ver_1", "clear verifications ver_1 verification.expired"]);
  });

  it("publishes nothing when the expiry write lost (a check, cancel or resend got there first)", async () => {
    const h = harness({ verifications: [verificationItem("ver_1", nowSeconds - 1)] }, { expire: "conflict" });
    expect(await sweepOutbox(h.deps)).toEqual({ expired: 0, published: 0, failed: 0 });
    expect(h.published).toEqual([]);
    expect(h.calls).toEqual(["expire ver_1"]);
  });
});
