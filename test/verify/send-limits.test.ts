/**
 * Victim-safe send limits, at the use-case level against the emulators: budgets per requester AND
 * number, plus a global per-number ceiling.
 */
import { describe, expect, it } from "vitest";
import { startVerification } from "../../functions/verify/service.ts";
import { useLocalPlatformEnv } from "../support/env.ts";
import { domainError, estonianMobile, testAccountId, verifyHarness } from "./support.ts";

useLocalPlatformEnv();

const key = (id: string) => ({ type: "apiKey", id }) as const;

describe("send limits", () => {
  it("the 6th send to one number within 10 minutes is refused with Retry-After; sends 2-5 are resends", async () => {
    const h = verifyHarness();
    const accountId = testAccountId();
    const to = estonianMobile();
    const ids = new Set<string>();
    for (let i = 1; i <= 5; i++) {
      const view = await startVerification({ accountId, to, requester: key("key_a") }, h.deps);
      expect(view.sendAttempts).toBe(i);
      ids.add(view.id);
    }
    expect(ids.size).toBe(1);
    const sixth = await domainError(startVerification({ accountId, to, requester: key("key_a") }, h.deps));
    expect(sixth.slug).toBe("rate-limited");
    const retryAfter = Number(sixth.headers["Retry-After"]);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(600);
    expect(h.sent).toHaveLength(5);
  });

  it("the budget slides across a window boundary (no doubled burst at the edge)", async () => {
    const tenMinutes = Math.ceil(Date.now() / 600_000) * 600_000;
    const h = verifyHarness({ start: new Date(tenMinutes - 10_000) });
    const accountId = testAccountId();
    const to = estonianMobile();
    for (let i = 0; i < 5; i++)
      await startVerification({ accountId, to, requester: key("key_edge") }, h.deps);
    h.clock.advance(20); // now 10 s into the next fixed window
    const sixth = await domainError(startVerification({ accountId, to, requester: key("key_edge") }, h.deps));
    expect(sixth.slug).toBe("rate-limited");
    h.clock.advance(600); // a whole window later the previous burst has slid out
    await startVerification({ accountId, to, requester: key("key_edge") }, h.deps);
    expect(h.sent).toHaveLength(6);
  });

  it("an attacker exhausting its budget for a number does not stop another requester", async () => {
    const h = verifyHarness();
    const accountId = testAccountId();
    const victim = estonianMobile();
    for (let i = 0; i < 5; i++)
      await startVerification({ accountId, to: victim, requester: key("key_attacker") }, h.deps);
    for (let i = 0; i < 10; i++) {
      expect(
        (
          await domainError(
            startVerification({ accountId, to: victim, requester: key("key_attacker") }, h.deps),
          )
        ).slug,
      ).toBe("rate-limited");
    }
    // The attacker's refused attempts did not eat the number's global ceiling: a legitimate
    // requester still gets its full budget of five.
    for (let i = 0; i < 5; i++) {
      await startVerification(
        { accountId, to: victim, requester: { type: "anonymous", id: "ip:198.51.100.7" } },
        h.deps,
      );
    }
    expect(h.sent).toHaveLength(10);
  });

  it("the per-number ceiling stops SMS bombing through many requesters", async () => {
    const h = verifyHarness();
    const accountId = testAccountId();
    const victim = estonianMobile();
    for (const requester of ["key_1", "key_2", "key_3"]) {
      for (let i = 0; i < 5; i++)
        await startVerification({ accountId, to: victim, requester: key(requester) }, h.deps);
    }
    const fourth = await domainError(
      startVerification({ accountId, to: victim, requester: key("key_4") }, h.deps),
    );
    expect(fourth.slug).toBe("rate-limited");
    expect(h.sent).toHaveLength(15);
  });

  it("the hourly budget holds across 10-minute windows", async () => {
    // Counts are sliding-window estimates; start at an hour boundary so all sends share one window.
    const hour = Math.floor(Date.now() / 3_600_000) * 3_600_000;
    const h = verifyHarness({ start: new Date(hour + 1000) });
    const accountId = testAccountId();
    const to = estonianMobile();
    for (let i = 0; i < 5; i++) await startVerification({ accountId, to, requester: key("key_h") }, h.deps);
    h.clock.advance(1200); // two 10-minute windows later: the 10-minute budget is back
    for (let i = 0; i < 5; i++) await startVerification({ accountId, to, requester: key("key_h") }, h.deps);
    h.clock.advance(1200);
    const eleventh = await domainError(startVerification({ accountId, to, requester: key("key_h") }, h.deps));
    expect(eleventh.slug).toBe("rate-limited");
    expect(h.sent).toHaveLength(10);
  });
});
