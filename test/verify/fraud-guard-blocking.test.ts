/**
 * Fraud guard at the use-case level against the emulators: allow-list, prefix velocity with
 * automatic blocking, audit events, no SMS for blocked starts, recovery through approvals.
 */
import { describe, expect, it } from "vitest";
import { queryAuditEvents } from "../../functions/audit/store.ts";
import { defaultFraudPolicy } from "../../functions/verify/fraud-guard.ts";
import { checkVerification, startVerification } from "../../functions/verify/service.ts";
import { useLocalPlatformEnv } from "../support/env.ts";
import {
  domainError,
  latvianPrefix,
  numbersUnder,
  numberUnder,
  testAccountId,
  verifyHarness,
} from "./support.ts";

useLocalPlatformEnv();

const requester = { type: "apiKey", id: "key_fraud" } as const;

describe("fraud guard", () => {
  it("refuses a country outside the account's allow-list, audits it, sends nothing", async () => {
    const h = verifyHarness({ countries: ["EE"] });
    const accountId = testAccountId();
    const refused = await domainError(
      startVerification({ accountId, to: "+4915112345678", requester }, h.deps),
    );
    expect(refused).toMatchObject({ slug: "verify-country-not-allowed", extensions: { country: "DE" } });
    expect(h.sent).toHaveLength(0);
    const { events } = await queryAuditEvents({ accountId, action: "verify.blocked", limit: 10 }, h.clock);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      outcome: "blocked",
      class: "short",
      actor: requester,
      details: { reason: "country-not-allowed", country: "DE" },
    });
    expect(JSON.stringify(events[0])).not.toContain("15112345678");
  });

  it("blocks a prefix that gets many sends and no approvals; blocked starts are audited and send nothing", async () => {
    const h = verifyHarness();
    const accountId = testAccountId();
    const prefix = latvianPrefix();
    const outcomes: string[] = [];
    for (const to of numbersUnder(prefix, 30)) {
      try {
        await startVerification({ accountId, to, requester }, h.deps);
        outcomes.push("sent");
      } catch (error) {
        outcomes.push((error as { slug?: string }).slug ?? "error");
      }
    }
    const sent = outcomes.filter((o) => o === "sent").length;
    expect(sent).toBe(defaultFraudPolicy.prefix.minSends);
    expect(outcomes.slice(sent).every((o) => o === "verify-fraud-blocked")).toBe(true);
    expect(h.sent).toHaveLength(sent);
    const { events } = await queryAuditEvents({ accountId, action: "verify.blocked", limit: 50 }, h.clock);
    expect(events).toHaveLength(30 - sent);
    expect(events[0]?.details).toMatchObject({ reason: "fraud-prefix", country: "LV" });
    expect(h.metrics.some((m) => m.name === "prefixConversionLow")).toBe(false);

    // Another prefix of the same account is unaffected.
    await startVerification({ accountId, to: numberUnder(latvianPrefix()), requester }, h.deps);
  });

  it("a parallel burst is cut at the same point as a sequential one (atomic reservation)", async () => {
    const h = verifyHarness();
    const accountId = testAccountId();
    const prefix = latvianPrefix();
    const outcomes = await Promise.all(
      numbersUnder(prefix, 40).map(async (to) => {
        try {
          await startVerification({ accountId, to, requester }, h.deps);
          return "sent";
        } catch (error) {
          return (error as { slug?: string }).slug ?? "error";
        }
      }),
    );
    expect(outcomes.filter((o) => o === "sent")).toHaveLength(defaultFraudPolicy.prefix.minSends);
    expect(outcomes.filter((o) => o === "verify-fraud-blocked")).toHaveLength(
      40 - defaultFraudPolicy.prefix.minSends,
    );
    expect(h.sent).toHaveLength(defaultFraudPolicy.prefix.minSends);
    // Released reservations leave exactly the real sends counted.
    const snapshot = await h.deps.fraudCounters.read(
      { namespace: "api", accountId, country: "LV", prefix: prefix.slice(1, 8) },
      h.clock.now(),
    );
    expect(Math.round(snapshot.prefix.sends)).toBe(defaultFraudPolicy.prefix.minSends);
  });

  it("approvals keep a busy prefix open, and the block carries a Retry-After", async () => {
    const h = verifyHarness();
    const accountId = testAccountId();
    const prefix = latvianPrefix();
    const numbers = numbersUnder(prefix, 130);
    const next = (): string => numbers.pop() ?? "";
    // 25 sends, 20 of them confirmed: healthy conversion, never blocked.
    for (let i = 0; i < 25; i++) {
      const to = next();
      const { id } = await startVerification({ accountId, to, requester }, h.deps);
      if (i % 5 !== 0)
        await checkVerification({ accountId, verificationId: id, code: h.lastCodeTo(to) }, h.deps);
    }
    expect(h.sent).toHaveLength(25);
    // Now only unconfirmed sends: blocked once approvals fall under 20 % of sends.
    let blocked: Awaited<ReturnType<typeof domainError>> | undefined;
    for (let i = 0; i < 100 && !blocked; i++) {
      try {
        await startVerification({ accountId, to: next(), requester }, h.deps);
      } catch (error) {
        blocked = {
          slug: (error as { slug: string }).slug,
          extensions: {},
          headers: (error as { headers: Record<string, string> }).headers,
        };
      }
    }
    expect(blocked?.slug).toBe("verify-fraud-blocked");
    expect(Number(blocked?.headers["Retry-After"])).toBeGreaterThan(0);
    // 20 approvals keep 20 % conversion up to 100 sends; the 102nd start is the first one blocked.
    expect(h.sent).toHaveLength(101);
    expect(h.metrics.some((m) => m.name === "prefixConversionLow")).toBe(true);
    // Country conversion is reported once the alert sample size is reached: 20 of the first 25.
    const rates = h.metrics
      .filter((m) => m.name === "conversion" && m.country === "LV")
      .map((m) => m.value ?? 1);
    expect(rates.length).toBeGreaterThan(0);
    expect(Math.min(...rates)).toBeLessThan(0.5);
  });
});
