/**
 * Victim-safe send limits, at the use-case level against the emulators: budgets per tenant AND
 * number (whichever key asks), a much higher platform-wide per-number ceiling, and dashboard 2FA
 * codes on counters of their own.
 */
import { describe, expect, it } from "vitest";
import { sendLimitRules } from "../../functions/verify/limits.ts";
import { startVerification } from "../../functions/verify/service.ts";
import { verifySmsOtp } from "../../functions/verify/sms-otp.ts";
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

  it("a tenant's budget for a number is shared by all its keys (more keys buy no more sends)", async () => {
    const h = verifyHarness();
    const accountId = testAccountId();
    const victim = estonianMobile();
    for (let i = 0; i < 5; i++)
      await startVerification({ accountId, to: victim, requester: key(`key_many_${i}`) }, h.deps);
    const sixth = await domainError(
      startVerification({ accountId, to: victim, requester: key("key_many_new") }, h.deps),
    );
    expect(sixth.slug).toBe("rate-limited");
    expect(h.sent).toHaveLength(5);
  });

  it("tenant C exhausting its share for a number blocks neither tenant A nor A's dashboard 2FA code", async () => {
    const h = verifyHarness();
    const tenantC = testAccountId();
    const tenantA = testAccountId();
    const victim = estonianMobile();
    for (let i = 0; i < 5; i++)
      await startVerification({ accountId: tenantC, to: victim, requester: key("key_c") }, h.deps);
    for (let i = 0; i < 10; i++) {
      const refused = await domainError(
        startVerification({ accountId: tenantC, to: victim, requester: key(`key_c${i}`) }, h.deps),
      );
      expect(refused.slug).toBe("rate-limited");
    }
    // C's refused attempts did not eat the number's global ceiling: A gets its full share.
    for (let i = 0; i < 5; i++)
      await startVerification({ accountId: tenantA, to: victim, requester: key("key_a") }, h.deps);
    const login = await verifySmsOtp(() => h.deps).start({
      accountId: tenantA,
      phone: victim,
      requestId: "req-login",
      userId: "usr_victim",
    });
    expect(login.verificationId).toMatch(/^ver_/);
    expect(h.sent).toHaveLength(11);
  });

  it("the platform-wide ceiling stops a flood through many tenants, but never a dashboard 2FA code", async () => {
    const h = verifyHarness();
    const victim = estonianMobile();
    const perTenant = sendLimitRules.tenantNumber10m.limit;
    const tenantsToCeiling = sendLimitRules.number10m.limit / perTenant;
    expect(tenantsToCeiling).toBeGreaterThanOrEqual(3); // "much higher than one tenant's share"
    const tenants = Array.from({ length: tenantsToCeiling + 1 }, () => testAccountId());
    for (const accountId of tenants.slice(0, tenantsToCeiling)) {
      for (let i = 0; i < perTenant; i++)
        await startVerification({ accountId, to: victim, requester: key("key_flood") }, h.deps);
    }
    const fresh = tenants[tenantsToCeiling] ?? "";
    const refused = await domainError(
      startVerification({ accountId: fresh, to: victim, requester: key("key_flood") }, h.deps),
    );
    expect(refused.slug).toBe("rate-limited");
    expect(h.sent).toHaveLength(sendLimitRules.number10m.limit);
    // A user of that fresh tenant still gets the login code the flood would otherwise have blocked.
    await verifySmsOtp(() => h.deps).start({
      accountId: fresh,
      phone: victim,
      requestId: "req-login-2",
      userId: "usr_after_flood",
    });
    expect(h.sent).toHaveLength(sendLimitRules.number10m.limit + 1);
  });

  it("dashboard 2FA codes have their own per-user budget", async () => {
    const h = verifyHarness();
    const accountId = testAccountId();
    const phone = estonianMobile();
    const sms = verifySmsOtp(() => h.deps);
    for (let i = 0; i < 5; i++) await sms.start({ accountId, phone, requestId: `r${i}`, userId: "usr_1" });
    const sixth = await domainError(sms.start({ accountId, phone, requestId: "r6", userId: "usr_1" }));
    expect(sixth.slug).toBe("rate-limited");
    expect(h.sent).toHaveLength(5);
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
