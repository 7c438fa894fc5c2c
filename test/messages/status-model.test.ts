import { describe, expect, it } from "vitest";
import {
  canTransition,
  type MessageStatus,
  messageStatuses,
  publicStatus,
  sourcesOf,
  TERMINAL,
} from "../../functions/messages/status.ts";

/** The status machine, checked as a pure model: forward-only, terminal states final. */
const rank: Record<MessageStatus, number> = {
  scheduled: 0,
  queued: 0,
  submitting: 1,
  sent: 2,
  delivered: 3,
  undelivered: 3,
  failed: 3,
  expired: 3,
  cancelled: 3,
};

describe("message status model", () => {
  it("only ever moves forward", () => {
    for (const from of messageStatuses) {
      for (const to of messageStatuses) {
        if (canTransition(from, to)) expect(rank[to]).toBeGreaterThan(rank[from]);
      }
    }
  });

  it("terminal statuses have no way out", () => {
    for (const from of TERMINAL)
      for (const to of messageStatuses) expect(canTransition(from, to)).toBe(false);
  });

  it("a late 'sent' never overwrites a delivery outcome", () => {
    for (const outcome of ["delivered", "undelivered", "failed"] as const) {
      expect(canTransition(outcome, "sent")).toBe(false);
    }
    expect(sourcesOf("sent")).toEqual(["submitting"]);
  });

  it("a DLR may overtake the dispatcher ('submitting' → delivered)", () => {
    expect(sourcesOf("delivered")).toEqual(["submitting", "sent"]);
  });

  it("only unsent messages expire or get cancelled", () => {
    expect(sourcesOf("expired")).toEqual(["queued", "scheduled", "submitting"]);
    expect(sourcesOf("cancelled")).toEqual(["queued", "scheduled"]);
  });

  it("random event sequences never leave a terminal status or go backwards", () => {
    let seed = 42;
    const next = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let run = 0; run < 500; run++) {
      let status: MessageStatus = next() < 0.5 ? "queued" : "scheduled";
      for (let step = 0; step < 12; step++) {
        const wanted = messageStatuses[Math.floor(next() * messageStatuses.length)] as MessageStatus;
        const before = status;
        if (canTransition(status, wanted)) status = wanted;
        expect(rank[status]).toBeGreaterThanOrEqual(rank[before]);
        if (TERMINAL.has(before)) expect(status).toBe(before);
      }
    }
  });

  it("shows 'submitting' as 'queued' in the API", () => {
    expect(publicStatus("submitting")).toBe("queued");
    expect(publicStatus("delivered")).toBe("delivered");
  });
});
