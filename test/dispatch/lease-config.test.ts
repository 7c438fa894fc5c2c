import { describe, expect, it } from "vitest";
import { LEASE_MS } from "../../functions/dispatch/handler.ts";
import { catalog, functionSpec } from "../../lib/catalog/index.ts";

describe("dispatch lease against the catalogue", () => {
  const consumed = catalog.queues.filter((queue) => queue.consumer?.function === "dispatch");

  it("outlives the dispatch function, so a live attempt is never taken over", () => {
    expect(LEASE_MS).toBeGreaterThan(functionSpec("dispatch").timeoutSeconds * 1000);
  });

  it.each(consumed.map((queue) => [queue.id, queue.visibilityTimeoutSeconds]))(
    "ends before %s redelivers (visibility %i s), so a redelivery reconciles at once",
    (_id, visibility) => {
      expect(LEASE_MS).toBeLessThan(Number(visibility) * 1000);
    },
  );

  it("every sms queue is consumed by dispatch", () => {
    expect(consumed.map((queue) => queue.id).sort()).toEqual(["sms-bulk", "sms-otp", "sms-transactional"]);
  });
});
