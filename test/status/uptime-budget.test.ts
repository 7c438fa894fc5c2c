import { describe, expect, it } from "vitest";
import { PLATFORM_COMPONENT, type StatusComponent } from "../../functions/status/components.ts";
import { type ComponentState, epochMinute } from "../../functions/status/model.ts";
import { statusPage } from "../../functions/status/page.ts";
import { errorBudgetOf, statusReport, uptimeOf } from "../../functions/status/service.ts";
import { memoryProbeStore } from "./memory-store.ts";

const NOW = new Date("2026-11-26T12:00:30Z");
const now = epochMinute(NOW);
const clock = { now: () => NOW };
const components: StatusComponent[] = [
  { id: "data-storage", name: "Storage", check: { kind: "table", table: "accounts" } },
  { id: "otp-sms", name: "OTP", check: { kind: "queue", queue: "sms-otp" } },
];

describe("error budget and uptime arithmetic", () => {
  it("gives 86.4 minutes of budget for 30 days (43,200 minutes) at 99.8 %", () => {
    expect(errorBudgetOf({ minutes: 43_200, probed: 43_200, up: 43_200 })).toEqual({
      budgetMinutes: 86.4,
      downMinutes: 0,
      remainingMinutes: 86.4,
    });
    expect(errorBudgetOf({ minutes: 43_200, probed: 43_200, up: 43_197 }).remainingMinutes).toBe(83.4);
    expect(errorBudgetOf({ minutes: 43_200, probed: 43_200, up: 43_100 }).remainingMinutes).toBe(-13.6);
  });

  it("counts uptime over probed minutes only, floored so one down minute never reads 100 %", () => {
    expect(uptimeOf({ minutes: 43_200, probed: 43_200, up: 43_199 })).toEqual({
      percent: 99.997,
      minutesUp: 43_199,
      minutesProbed: 43_200,
      minutesNotProbed: 0,
    });
    expect(uptimeOf({ minutes: 1440, probed: 1000, up: 998 }).percent).toBe(99.8);
    expect(uptimeOf({ minutes: 1440, probed: 1000, up: 998 }).minutesNotProbed).toBe(440);
    expect(uptimeOf({ minutes: 1440, probed: 0, up: 0 }).percent).toBeNull();
  });
});

/** Every minute of the last 30 days (and one before) probed; `state` picks outages by age in minutes. */
async function filledStore(state: (component: string, age: number) => ComponentState | undefined) {
  const store = memoryProbeStore();
  for (const component of [PLATFORM_COMPONENT, ...components.map((c) => c.id)]) {
    for (let age = 0; age <= 43_200; age++) {
      const s = state(component, age);
      if (s) await store.record({ component, minute: now - age, state: s });
    }
  }
  return store;
}

describe("status report from fixed probe records", () => {
  // Outages at ages 5, 100, 1439 (in 24 h), 1440, 5000 (7 d), 10_080, 43_199 (30 d), 43_200 (outside).
  const OUTAGES = new Set([5, 100, 1439, 1440, 5000, 10_080, 43_199, 43_200]);
  // Not probed: 60 minutes 3 days ago.
  const GAP = (age: number) => age >= 4320 && age < 4380;

  it("computes uptime for 24 h / 7 d / 30 d across day boundaries, with not-probed minutes left out", async () => {
    const store = await filledStore((component, age) => {
      if (component === "otp-sms" && GAP(age)) return undefined;
      return component !== "data-storage" && OUTAGES.has(age) ? "outage" : "operational";
    });
    const report = await statusReport({ store, clock, components });

    expect(report.uptime["24h"]).toEqual({
      percent: Math.floor((1437 * 100_000) / 1440) / 1000,
      minutesUp: 1437,
      minutesProbed: 1440,
      minutesNotProbed: 0,
    });
    expect(report.uptime["7d"]).toMatchObject({ minutesUp: 10_080 - 5, minutesProbed: 10_080 });
    expect(report.uptime["30d"]).toMatchObject({ minutesUp: 43_200 - 7, minutesProbed: 43_200 });
    expect(report.slo).toEqual({
      targetPercent: 99.8,
      windowDays: 30,
      windowMinutes: 43_200,
      errorBudget: { budgetMinutes: 86.4, downMinutes: 7, remainingMinutes: 79.4 },
    });

    const otp = report.components.find((c) => c.id === "otp-sms");
    expect(otp?.uptime["7d"]).toMatchObject({ minutesProbed: 10_080 - 60, minutesNotProbed: 60 });
    expect(otp?.uptime["30d"]).toMatchObject({ minutesUp: 43_200 - 60 - 7, minutesNotProbed: 60 });
    // Not-probed minutes spend no budget.
    expect(otp?.errorBudget.downMinutes).toBe(7);
    const storage = report.components.find((c) => c.id === "data-storage");
    expect(storage?.uptime["30d"].percent).toBe(100);
    expect(storage?.errorBudget.remainingMinutes).toBe(86.4);
  });

  it("reads whole days from the day tallies: at most two days of minute records per component", async () => {
    const store = await filledStore(() => "operational");
    await statusReport({ store, clock, components });
    // 3 components × (24 h + first partial day of 7 d + of 30 d) ≤ 3 × 3 × 1440, far below 3 × 43,200.
    expect(store.minuteReads()).toBeLessThanOrEqual(3 * 3 * 1440);
  });

  it("reports the newest probe's state, unknown without a probe in the last 5 minutes, and the worst overall", async () => {
    const store = memoryProbeStore();
    await store.record({ component: "data-storage", minute: now - 1, state: "operational" });
    await store.record({ component: "data-storage", minute: now, state: "degraded" });
    await store.record({ component: "otp-sms", minute: now - 1, state: "operational" });
    let report = await statusReport({ store, clock, components });
    expect(report.components.map((c) => [c.id, c.state])).toEqual([
      ["data-storage", "degraded"],
      ["otp-sms", "operational"],
    ]);
    expect(report.status).toBe("degraded");
    expect(report.components[0]?.lastProbeAt).toBe("2026-11-26T12:00Z");

    const stale = memoryProbeStore();
    await stale.record({ component: "data-storage", minute: now - 5, state: "operational" });
    await stale.record({ component: "otp-sms", minute: now - 4, state: "outage" });
    report = await statusReport({ store: stale, clock, components });
    expect(report.components.map((c) => c.state)).toEqual(["unknown", "outage"]);
    expect(report.status).toBe("outage");
  });
});

describe("status page HTML", () => {
  it("escapes every value and loads nothing from elsewhere", async () => {
    const store = memoryProbeStore();
    await store.record({ component: "x", minute: now, state: "operational" });
    const evil: StatusComponent = {
      id: "x",
      name: `<script>alert("x")</script>&`,
      check: { kind: "table", table: "accounts" },
    };
    const at = new Date(now * 60_000).toISOString();
    const evilIncident = {
      incidentId: "inc_01JAAAAAAAAAAAAAAAAAAAAAAA",
      title: "<img onerror=x>",
      impact: "major" as const,
      components: ["x"],
      status: "investigating" as const,
      createdAt: at,
      updatedAt: at,
      updates: [{ at, status: "investigating" as const, message: "<b>bold</b> & 'quoted'" }],
    };
    const report = await statusReport({ store, clock, components: [evil] });
    const html = statusPage({ ...report, incidents: { open: [evilIncident], resolved: [] } });
    expect(html).not.toContain("<script");
    expect(html).not.toContain("<img");
    expect(html).not.toContain("<b>");
    expect(html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;");
    expect(html).toContain("&lt;img onerror=x&gt;");
    expect(html).toContain("&lt;b&gt;bold&lt;/b&gt; &amp; &#39;quoted&#39;");
    expect(html).not.toMatch(/\b(src|href)=/);
    expect(html).toContain("99.8 %");
  });
});
