/**
 * The purge's decisions and its run budget, as pure logic (an in-memory store): bodies live until
 * their message is sent or final, the current settings decide, and a run stops at its budget and
 * the next one resumes where it stopped until the cycle (messages → verifications → accounts) ends.
 */
import { describe, expect, it } from "vitest";
import {
  type AccountPolicy,
  messageAction,
  type PurgeCursor,
  type PurgeStore,
  runPurge,
  verificationAction,
} from "../../functions/retention/purge.ts";
import { DEFAULT_RETENTION } from "../../functions/retention/settings.ts";

const DAY_S = 24 * 3600;
const now = new Date();
const nowS = Math.floor(now.getTime() / 1000);
const daysAgo = (days: number) => new Date(now.getTime() - days * DAY_S * 1000).toISOString();
const policy = (retention: Partial<typeof DEFAULT_RETENTION>): AccountPolicy => ({
  retention: { ...DEFAULT_RETENTION, ...retention },
});
const message = (fields: Record<string, unknown>) => ({
  pk: "MSG#msg_1",
  sk: "MESSAGE",
  accountId: "acc_1",
  createdAt: daysAgo(2),
  validUntil: daysAgo(1.9),
  expiresAt: nowS + 28 * DAY_S,
  textCipher: "sealed",
  status: "delivered",
  ...fields,
});

describe("what the purge does to one item", () => {
  it("removes a body past the CURRENT body retention only once the message is sent or final", () => {
    expect(messageAction(message({}), policy({ messageBodyDays: 1 }), now)).toBe("remove-body");
    expect(messageAction(message({}), policy({ messageBodyDays: 3 }), now)).toBe("keep");
    expect(messageAction(message({ status: "sent" }), policy({ messageBodyDays: 0 }), now)).toBe(
      "remove-body",
    );
    for (const status of ["queued", "scheduled", "submitting"]) {
      expect(messageAction(message({ status }), policy({ messageBodyDays: 0 }), now), status).toBe("keep");
    }
    expect(messageAction(message({ textCipher: undefined }), policy({ messageBodyDays: 0 }), now)).toBe(
      "keep",
    );
  });

  it("deletes metadata past the current retention, never before validity + a day, and past its own TTL", () => {
    expect(messageAction(message({}), policy({ messageMetadataDays: 1 }), now)).toBe("delete");
    expect(
      messageAction(
        message({ validUntil: daysAgo(0.5) }),
        policy({ messageMetadataDays: 1, messageBodyDays: 1 }),
        now,
      ),
    ).toBe("remove-body");
    expect(messageAction(message({ expiresAt: nowS - 1 }), policy({}), now)).toBe("delete");
    // Unknown account: only the item's own expiry counts.
    expect(messageAction(message({}), undefined, now)).toBe("keep");
  });

  it("erases everything of a closed account past its deadline, nothing before it", () => {
    const closed = (at: string): AccountPolicy => ({ ...policy({}), eraseBefore: at });
    expect(messageAction(message({ status: "queued" }), closed(daysAgo(0.1)), now)).toBe("delete");
    expect(verificationAction({ pk: "ver_1", accountId: "acc_1" }, closed(daysAgo(0.1)), now)).toBe("delete");
    expect(messageAction(message({}), closed(new Date(now.getTime() + 60_000).toISOString()), now)).toBe(
      "keep",
    );
  });

  it("keeps a verification while its code may be checked, then per the current verification days", () => {
    const ver = (fields: Record<string, unknown>) => ({
      pk: "ver_1",
      accountId: "acc_1",
      createdAt: daysAgo(2),
      codeExpiresAt: nowS - 2 * DAY_S + 600,
      expiresAt: nowS + 5 * DAY_S,
      ...fields,
    });
    expect(verificationAction(ver({}), policy({ verificationDays: 1 }), now)).toBe("delete");
    expect(verificationAction(ver({}), policy({ verificationDays: 3 }), now)).toBe("keep");
    expect(verificationAction(ver({ codeExpiresAt: nowS + 60 }), policy({ verificationDays: 1 }), now)).toBe(
      "keep",
    );
  });
});

/** Tables as arrays, scanned in pages; deletes recorded. */
function memoryStore(tables: Record<"messages" | "verifications" | "accounts", Record<string, unknown>[]>) {
  let cursor: PurgeCursor | undefined;
  const deleted: string[] = [];
  const store: PurgeStore = {
    loadCursor: async () => cursor,
    saveCursor: async (next) => {
      cursor = next;
    },
    async scanPage(phase, startKey, limit) {
      const start = Number(startKey?.index ?? 0);
      const items = tables[phase].slice(start, start + limit);
      const end = start + items.length;
      return { items, ...(end < tables[phase].length ? { nextKey: { index: end } } : {}) };
    },
    deleteItem: async (_phase, item) => {
      deleted.push(String(item.pk));
    },
    removeBody: async () => true,
    accountPolicy: async () => policy({ messageMetadataDays: 1 }),
    eraseAccount: async () => ({ deletedItems: 0 }),
  };
  return { store, deleted, cursor: () => cursor };
}

describe("a purge run", () => {
  it("stops at its scan budget and the next run resumes there, phase after phase, until the cycle ends", async () => {
    const expired = (i: number) => message({ pk: `MSG#msg_${i}` });
    const memory = memoryStore({
      messages: [1, 2, 3, 4, 5].map(expired),
      verifications: [{ pk: "ver_1", accountId: "acc_1", expiresAt: nowS - 1 }],
      accounts: [{ pk: "ACC#acc_1", sk: "ACCOUNT", accountId: "acc_1", status: "active" }],
    });
    const deps = {
      store: memory.store,
      clock: { now: () => now },
      audit: { record: async () => ({}) as never },
      scanBudget: 3,
      pageSize: 2,
    };
    const first = await runPurge(deps);
    expect(first).toMatchObject({ scanned: 4, deleted: 4, cycleCompleted: false, phase: "messages" });
    expect(memory.cursor()).toMatchObject({ phase: "messages", startKey: { index: 4 } });
    const second = await runPurge(deps);
    // msg_5, then the verification, then the account page: the cycle ends within this run.
    expect(second).toMatchObject({ scanned: 3, deleted: 2, cycleCompleted: true, phase: "messages" });
    expect(memory.deleted).toEqual([
      "MSG#msg_1",
      "MSG#msg_2",
      "MSG#msg_3",
      "MSG#msg_4",
      "MSG#msg_5",
      "ver_1",
    ]);
    expect(memory.cursor()).toEqual({ phase: "messages", cycleStartedAt: now.toISOString() });
  });
});
