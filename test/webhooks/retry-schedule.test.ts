import { describe, expect, it } from "vitest";
import type { AuditEventInput } from "../../functions/audit/port.ts";
import {
  BUSY_RETRY_SECONDS,
  DISABLE_AFTER_MS,
  deliver,
  MAX_ATTEMPTS,
  MAX_SQS_DELAY_SECONDS,
  RETRY_SCHEDULE_SECONDS,
} from "../../functions/webhooks/delivery.ts";
import type {
  DeliveryAttempt,
  PostOutcome,
  WebhookDeps,
  WebhookEndpoint,
} from "../../functions/webhooks/ports.ts";
import type { DeliveryRecord, WebhookEventPayload } from "../../functions/webhooks/schemas.ts";

/** Pure delivery logic against in-memory ports: what is re-enqueued, recorded and disabled. */
const payload: WebhookEventPayload = {
  type: "message.failed",
  timestamp: "2026-01-01T00:00:00.000Z",
  data: {
    id: "msg_01J0000000000000000000000A",
    to: "+********123",
    country: "EE",
    status: "failed",
    priority: "normal",
    segments: 1,
    encoding: "GSM-7",
    price: { amount: "0.0500", currency: "EUR" },
    timestamps: { createdAt: "2026-01-01T00:00:00.000Z" },
  },
};

const ACCOUNT_SECRET = "whsec_dGVzdC1hY2NvdW50LXNlY3JldC0xMjM0NTY3OA==";

function harness(options: { status?: number; freeSlots?: number; failingSince?: string; now?: Date } = {}) {
  let now = options.now ?? new Date("2026-01-01T00:00:00.000Z");
  let endpoint: WebhookEndpoint = {
    id: "whk_01J0000000000000000000000A",
    accountId: "acc_1",
    url: "https://hooks.example.com/x",
    events: ["message.failed"],
    enabled: true,
    secrets: [{ secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" }],
    ...(options.failingSince ? { failingSince: options.failingSince } : {}),
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
  };
  const enqueued: { record: DeliveryRecord; delaySeconds: number }[] = [];
  const deadLettered: DeliveryRecord[] = [];
  const recorded: DeliveryAttempt[] = [];
  const audited: AuditEventInput[] = [];
  const posts: string[] = [];
  const notified: string[] = [];
  let freeSlots = options.freeSlots ?? 1;
  const outcome: PostOutcome =
    options.status === undefined
      ? { kind: "error", error: "ECONNREFUSED", latencyMs: 3 }
      : { kind: "response", status: options.status, latencyMs: 3 };
  const deps: WebhookDeps = {
    clock: { now: () => now },
    endpoints: {
      create: async () => {},
      get: async () => endpoint,
      list: async () => [endpoint],
      update: async () => endpoint,
      delete: async () => true,
      noteFailure: async (_a, _i, at) => {
        endpoint = { ...endpoint, failingSince: endpoint.failingSince ?? at };
        return endpoint.failingSince ?? at;
      },
      noteSuccess: async () => {
        const { failingSince: _cleared, ...rest } = endpoint;
        endpoint = rest;
      },
      disable: async (_a, _i, reason) => {
        if (!endpoint.enabled) return false;
        endpoint = { ...endpoint, enabled: false, disabledReason: reason };
        return true;
      },
    },
    accountSecrets: {
      active: async () => [{ secret: ACCOUNT_SECRET }],
      rotate: async () => undefined,
    },
    deliveries: {
      record: async (a) => void recorded.push(a),
      list: async () => recorded,
      get: async () => undefined,
    },
    payloads: { claimFanOut: async () => true, markFannedOut: async () => {}, get: async () => payload },
    slots: {
      acquire: async () => (freeSlots > 0 ? freeSlots-- : undefined),
      release: async () => {
        freeSlots++;
      },
    },
    queue: { enqueue: async (record, delaySeconds) => void enqueued.push({ record, delaySeconds }) },
    deadLetters: { deadLetter: async (record) => void deadLettered.push(record) },
    audit: {
      record: async (event) => {
        audited.push(event);
        return { ...event, id: "evt", at: now.toISOString(), class: "persistent" };
      },
    },
    notify: { endpointDisabled: async (_endpoint, reason) => void notified.push(reason) },
    ssrf: { allowLoopback: false },
    post: async ({ headers }) => {
      posts.push(headers["webhook-id"] ?? "");
      return outcome;
    },
    random: () => 0.5, // no jitter: 0.8 + 0.4 * 0.5 = 1
  };
  const record = (attempt: number, notBefore?: number): DeliveryRecord => ({
    v: 1,
    kind: "delivery",
    eventId: "message.failed:msg_1",
    accountId: "acc_1",
    endpointId: endpoint.id,
    attempt,
    ...(notBefore !== undefined ? { notBefore } : {}),
  });
  return {
    deps,
    record,
    enqueued,
    deadLettered,
    recorded,
    audited,
    notified,
    posts,
    endpoint: () => endpoint,
    advance: (ms: number) => {
      now = new Date(now.getTime() + ms);
    },
  };
}

describe("webhook retry schedule", () => {
  it("retries after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, then the event is dead", async () => {
    expect(RETRY_SCHEDULE_SECONDS).toEqual([5, 300, 1800, 7200, 18_000, 36_000, 36_000]);
    const waits: number[] = [];
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const h = harness({ status: 500 });
      const result = await deliver(h.record(attempt), h.deps);
      if (attempt < MAX_ATTEMPTS) {
        expect(result).toBe("retrying");
        const [next] = h.enqueued;
        expect(next?.record.attempt).toBe(attempt + 1);
        waits.push(((next?.record.notBefore ?? 0) - new Date("2026-01-01T00:00:00.000Z").getTime()) / 1000);
        // SQS cannot delay more than 15 min: longer waits hop with notBefore.
        expect(next?.delaySeconds).toBe(Math.min(MAX_SQS_DELAY_SECONDS, waits.at(-1) ?? 0));
      } else {
        expect(result).toBe("dead");
        expect(h.enqueued).toEqual([]);
        expect(h.recorded.map((r) => r.outcome)).toEqual(["dead"]);
        // The dead event goes to the DLQ, as the attempt a redrive would make next.
        expect(h.deadLettered).toEqual([h.record(MAX_ATTEMPTS + 1)]);
      }
    }
    expect(waits).toEqual([...RETRY_SCHEDULE_SECONDS]);
  });

  it("a redriven dead event gets one more attempt: delivered, or dead-lettered again", async () => {
    const ok = harness({ status: 204 });
    expect(await deliver(ok.record(MAX_ATTEMPTS + 1), ok.deps)).toBe("delivered");
    expect(ok.deadLettered).toEqual([]);
    const failing = harness({ status: 503 });
    expect(await deliver(failing.record(MAX_ATTEMPTS + 1), failing.deps)).toBe("dead");
    expect(failing.deadLettered).toEqual([failing.record(MAX_ATTEMPTS + 2)]);
    expect(failing.enqueued).toEqual([]);
  });

  it("a record that arrives before its notBefore is re-delayed without sending", async () => {
    const h = harness({ status: 200 });
    const notBefore = h.deps.clock.now().getTime() + 2 * 3600 * 1000;
    expect(await deliver(h.record(4, notBefore), h.deps)).toBe("deferred");
    expect(h.posts).toEqual([]);
    expect(h.enqueued).toEqual([{ record: h.record(4, notBefore), delaySeconds: MAX_SQS_DELAY_SECONDS }]);
  });

  it("2xx is done and ends a failing streak; 410 disables once and audits it", async () => {
    const ok = harness({ status: 204, failingSince: "2025-12-31T12:00:00.000Z" });
    expect(await deliver(ok.record(3), ok.deps)).toBe("delivered");
    expect(ok.endpoint().failingSince).toBeUndefined();
    expect(ok.enqueued).toEqual([]);

    const gone = harness({ status: 410 });
    expect(await deliver(gone.record(1), gone.deps)).toBe("gone");
    expect(gone.endpoint()).toMatchObject({ enabled: false, disabledReason: "gone" });
    expect(gone.audited.map((a) => a.action)).toEqual(["webhook.disabled"]);
    expect(gone.notified).toEqual(["gone"]);
    expect(gone.enqueued).toEqual([]);
  });

  it("a day of failures disables the endpoint and tells its owner (audit)", async () => {
    const h = harness({ failingSince: "2025-12-31T00:00:00.000Z" });
    expect(DISABLE_AFTER_MS).toBe(24 * 3600 * 1000);
    expect(await deliver(h.record(6), h.deps)).toBe("disabled");
    expect(h.endpoint()).toMatchObject({ enabled: false, disabledReason: "failing" });
    expect(h.audited).toEqual([
      expect.objectContaining({ action: "webhook.disabled", details: { reason: "failing" } }),
    ]);
    expect(h.notified).toEqual(["failing"]);
    // Nothing is sent to a disabled endpoint afterwards.
    expect(await deliver(h.record(7), h.deps)).toBe("skipped");
    expect(h.posts).toHaveLength(1);
  });

  it("when every slot of the endpoint is busy the attempt waits instead of sending", async () => {
    const h = harness({ status: 200, freeSlots: 0 });
    expect(await deliver(h.record(1), h.deps)).toBe("deferred");
    expect(h.posts).toEqual([]);
    expect(h.enqueued.map((e) => [e.record.attempt, e.delaySeconds])).toEqual([[1, BUSY_RETRY_SECONDS]]);
  });
});

describe("message callbackUrl deliveries", () => {
  const callback = (h: ReturnType<typeof harness>, attempt: number): DeliveryRecord => ({
    ...h.record(attempt),
    endpointId: "callback:acc_1",
    callbackUrl: "https://callbacks.example.com/sms",
  });

  it("follow the retry schedule but never touch a registered endpoint's state", async () => {
    const h = harness({ status: 500 });
    expect(await deliver(callback(h, 1), h.deps)).toBe("retrying");
    expect(h.enqueued[0]?.record).toMatchObject({
      attempt: 2,
      callbackUrl: "https://callbacks.example.com/sms",
    });
    expect(h.endpoint().failingSince).toBeUndefined();
    expect(h.recorded.map((r) => r.endpointId)).toEqual(["callback:acc_1"]);

    const gone = harness({ status: 410 });
    expect(await deliver(callback(gone, 1), gone.deps)).toBe("gone");
    expect(gone.endpoint().enabled).toBe(true);
    expect(gone.audited).toEqual([]);
  });
});
