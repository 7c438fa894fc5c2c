/**
 * The exposure query's paging, as pure logic over a fake store: a request that runs out of time
 * answers a cursor, following the cursors counts every item exactly once, the query is audited
 * once, and a cursor cannot be replayed with another scope or window.
 */
import { describe, expect, it } from "vitest";
import { queryExposure } from "../../functions/admin/exposure.ts";
import type { ExposurePage, ExposureRequest } from "../../functions/admin/exposure-schemas.ts";
import type { ExposureStore, ScanPage } from "../../functions/admin/exposure-store.ts";
import type { AuditEventInput, AuditLog } from "../../functions/audit/port.ts";
import { DomainError } from "../../functions/shared/problem.ts";

const call = { arn: "arn:aws:iam::000000000000:user/operator", sourceIp: "127.0.0.1", requestId: "req-1" };

const message = (n: number, accountId: string) => ({
  id: `msg_${n}`,
  accountId,
  priority: n % 3 === 0 ? "otp" : "normal",
  toMasked: "+********123",
  textCipher: "sealed",
  createdBy: { type: "apiKey", id: `key_${accountId}` },
});
const verification = (n: number, accountId: string) => ({
  id: `ver_${n}`,
  accountId,
  toMasked: "+********456",
});

/** Serves the items one per page, like a Scan whose 1 MB pages hold a single item. */
function onePerPage(items: readonly Record<string, unknown>[], start?: Record<string, unknown>): ScanPage {
  const index = typeof start?.index === "number" ? start.index : 0;
  const item = items[index];
  return {
    items: item ? [item] : [],
    scanned: item ? 1 : 0,
    ...(index + 1 < items.length ? { next: { index: index + 1 } } : {}),
  };
}

function fakeStore(): ExposureStore {
  const messages = [1, 2, 3, 4, 5, 6].map((n) => message(n, n % 2 === 0 ? "acc_a" : "acc_b"));
  const verifications = [1, 2].map((n) => verification(n, "acc_a"));
  return {
    scanWindow: async (table, _filter, start) =>
      onePerPage(table === "messages" ? messages : verifications, start),
    scanCredentials: async () => ({ items: [], scanned: 0 }),
    findPrincipal: async () => undefined,
    auditByActor: async () => ({ events: [] }),
  };
}

function recordingAudit(): AuditLog & { recorded: AuditEventInput[] } {
  const recorded: AuditEventInput[] = [];
  return {
    recorded,
    async record(event) {
      recorded.push(event);
      return { ...event, id: `evt_${recorded.length}`, at: new Date().toISOString(), class: "persistent" };
    },
  };
}

const request: ExposureRequest = {
  from: new Date(Date.now() - 3600_000).toISOString(),
  to: new Date().toISOString(),
  scope: { all: true },
};

describe("exposure query paging", () => {
  it("answers a cursor when out of time, and the pages add up to every item once", async () => {
    const audit = recordingAudit();
    const deps = { clock: { now: () => new Date() }, audit, store: fakeStore(), timeBudgetMs: 0 };
    const pages: ExposurePage[] = [];
    let cursor: string | undefined;
    do {
      const page = await queryExposure({ ...request, ...(cursor ? { cursor } : {}) }, call, deps);
      pages.push(page);
      cursor = page.nextCursor;
    } while (cursor && pages.length < 50);
    // A zero budget still makes one page of progress per request: 6 messages + 2 verifications.
    expect(pages).toHaveLength(8);
    const total = (accountId: string, field: "numbers" | "bodies" | "codes") =>
      pages
        .flatMap((page) => page.accounts)
        .reduce((sum, account) => sum + (account.accountId === accountId ? account.classes[field] : 0), 0);
    expect(total("acc_a", "numbers")).toBe(3 + 2);
    expect(total("acc_b", "numbers")).toBe(3);
    // msg_3 and msg_6 are OTP texts still stored: codes, not bodies.
    expect(total("acc_a", "codes") + total("acc_b", "codes")).toBe(2);
    expect(total("acc_a", "bodies") + total("acc_b", "bodies")).toBe(4);
    expect(pages.reduce((sum, page) => sum + page.scanned.messages + page.scanned.verifications, 0)).toBe(8);
    expect(audit.recorded.map((event) => event.action)).toEqual(["incident.exposure.queried"]);
  });

  it("finishes in one request when time allows", async () => {
    const deps = {
      clock: { now: () => new Date() },
      audit: recordingAudit(),
      store: fakeStore(),
      timeBudgetMs: 60_000,
    };
    const page = await queryExposure(request, call, deps);
    expect(page.nextCursor).toBeUndefined();
    expect(page.accounts.map((account) => account.accountId)).toEqual(["acc_a", "acc_b"]);
  });

  it("refuses a cursor replayed with another window or scope", async () => {
    const deps = {
      clock: { now: () => new Date() },
      audit: recordingAudit(),
      store: fakeStore(),
      timeBudgetMs: 0,
    };
    const first = await queryExposure(request, call, deps);
    const cursor = first.nextCursor;
    expect(cursor).toBeDefined();
    const otherWindow = { ...request, from: new Date(Date.parse(request.from) - 1000).toISOString() };
    await expect(queryExposure({ ...otherWindow, cursor }, call, deps)).rejects.toBeInstanceOf(DomainError);
    await expect(
      queryExposure({ ...request, scope: { carrier: "sim-a" }, cursor }, call, deps),
    ).rejects.toMatchObject({ slug: "validation-failed" });
    await expect(queryExposure({ ...request, cursor: "not-a-cursor" }, call, deps)).rejects.toMatchObject({
      slug: "validation-failed",
    });
  });
});
