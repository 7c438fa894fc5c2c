/**
 * Status report use case: current state per component, uptime over 24 h / 7 d / 30 d from the probe
 * records, and the 30-day error budget of the 99.8 % SLO. Pure arithmetic over the ProbeStore port.
 */
import type { Clock } from "../shared/clock.ts";
import { PLATFORM_COMPONENT, STATUS_COMPONENTS, STATUS_NOTES, type StatusComponent } from "./components.ts";
import {
  type DayTally,
  dayOf,
  epochMinute,
  isUp,
  MINUTES_PER_DAY,
  minuteIso,
  type ProbeRecord,
  type ProbeStore,
  type ReportedState,
  worstOf,
} from "./model.ts";

export const SLO_TARGET_PERCENT = 99.8;
export const SLO_WINDOW_DAYS = 30;
/** Windows end with the current minute: "24h" is the last 1,440 minutes. */
export const WINDOWS = {
  "24h": 1 * MINUTES_PER_DAY,
  "7d": 7 * MINUTES_PER_DAY,
  "30d": 30 * MINUTES_PER_DAY,
} as const;
export type WindowName = keyof typeof WINDOWS;
/** A component's state is its newest probe within this many minutes; older means unknown. */
export const FRESH_MINUTES = 5;

export interface WindowCount {
  readonly minutes: number;
  readonly probed: number;
  readonly up: number;
}

export interface Uptime {
  /** minutes up / minutes probed, as a percentage floored to 3 decimals; null when nothing was probed. */
  readonly percent: number | null;
  readonly minutesUp: number;
  readonly minutesProbed: number;
  readonly minutesNotProbed: number;
}

export interface ErrorBudget {
  readonly budgetMinutes: number;
  readonly downMinutes: number;
  /** Negative once the budget is spent. */
  readonly remainingMinutes: number;
}

export interface ComponentReport {
  readonly id: string;
  readonly name: string;
  readonly state: ReportedState;
  readonly lastProbeAt: string | null;
  readonly uptime: Readonly<Record<WindowName, Uptime>>;
  readonly errorBudget: ErrorBudget;
}

export interface StatusReport {
  readonly status: ReportedState;
  readonly generatedAt: string;
  readonly slo: {
    readonly targetPercent: number;
    readonly windowDays: number;
    readonly windowMinutes: number;
    readonly errorBudget: ErrorBudget;
  };
  readonly uptime: Readonly<Record<WindowName, Uptime>>;
  readonly components: readonly ComponentReport[];
  readonly notes: readonly string[];
}

export interface StatusDeps {
  readonly store: ProbeStore;
  readonly clock: Clock;
  readonly components?: readonly StatusComponent[];
}

const round2 = (value: number): number => Math.round(value * 100) / 100;

export function uptimeOf(count: WindowCount): Uptime {
  // Floored, never rounded up: 43,199 of 43,200 minutes must not read as 100 %.
  const percent = count.probed === 0 ? null : Math.floor((count.up * 100_000) / count.probed + 1e-9) / 1000;
  return {
    percent,
    minutesUp: count.up,
    minutesProbed: count.probed,
    minutesNotProbed: count.minutes - count.probed,
  };
}

/** Budget = window × (100 % − target); e.g. 43,200 min × 0.2 % = 86.4 min. Down = probed, not up. */
export function errorBudgetOf(count: WindowCount, targetPercent = SLO_TARGET_PERCENT): ErrorBudget {
  const budgetMinutes = round2((count.minutes * (100 - targetPercent)) / 100);
  const downMinutes = count.probed - count.up;
  return { budgetMinutes, downMinutes, remainingMinutes: round2(budgetMinutes - downMinutes) };
}

function tally(probes: readonly ProbeRecord[], from: number, to: number): { probed: number; up: number } {
  let probed = 0;
  let up = 0;
  for (const probe of probes) {
    if (probe.minute < from || probe.minute > to) continue;
    probed++;
    if (isUp(probe.state)) up++;
  }
  return { probed, up };
}

/**
 * Counts one window ending at `now`. `recent` holds the component's probes of the last 1,440 minutes
 * (enough for the 24 h window and for today's minutes); longer windows add whole days from the day
 * tallies and read minute records only for the partial first day.
 */
async function countWindow(
  store: ProbeStore,
  component: string,
  windowMinutes: number,
  now: number,
  recent: readonly ProbeRecord[],
  tallies: readonly DayTally[],
): Promise<WindowCount> {
  const from = now - windowMinutes + 1;
  if (windowMinutes <= MINUTES_PER_DAY) return { minutes: windowMinutes, ...tally(recent, from, now) };
  const firstDay = dayOf(from);
  const today = dayOf(now);
  const head = await store.minutes(component, from, (firstDay + 1) * MINUTES_PER_DAY - 1);
  const headCount = tally(head, from, now);
  const todayCount = tally(recent, today * MINUTES_PER_DAY, now);
  let probed = headCount.probed + todayCount.probed;
  let up = headCount.up + todayCount.up;
  for (const day of tallies) {
    if (day.day <= firstDay || day.day >= today) continue;
    probed += day.probed;
    up += day.up;
  }
  return { minutes: windowMinutes, probed, up };
}

interface Counted {
  readonly state: ReportedState;
  readonly lastProbeAt: string | null;
  readonly counts: Readonly<Record<WindowName, WindowCount>>;
}

async function countComponent(store: ProbeStore, component: string, now: number): Promise<Counted> {
  const longest = Math.max(...Object.values(WINDOWS));
  const [recent, tallies] = await Promise.all([
    store.minutes(component, now - MINUTES_PER_DAY + 1, now),
    store.days(component, dayOf(now - longest + 1), dayOf(now)),
  ]);
  const entries = await Promise.all(
    (Object.entries(WINDOWS) as [WindowName, number][]).map(
      async ([name, minutes]) =>
        [name, await countWindow(store, component, minutes, now, recent, tallies)] as const,
    ),
  );
  const latest = recent.reduce<ProbeRecord | undefined>(
    (newest, probe) => (!newest || probe.minute > newest.minute ? probe : newest),
    undefined,
  );
  const fresh = latest !== undefined && latest.minute > now - FRESH_MINUTES;
  return {
    state: fresh && latest ? latest.state : "unknown",
    lastProbeAt: latest ? minuteIso(latest.minute) : null,
    counts: Object.fromEntries(entries) as Record<WindowName, WindowCount>,
  };
}

const uptimes = (counts: Readonly<Record<WindowName, WindowCount>>): Record<WindowName, Uptime> => ({
  "24h": uptimeOf(counts["24h"]),
  "7d": uptimeOf(counts["7d"]),
  "30d": uptimeOf(counts["30d"]),
});

export async function statusReport(deps: StatusDeps): Promise<StatusReport> {
  const components = deps.components ?? STATUS_COMPONENTS;
  const generated = deps.clock.now();
  const now = epochMinute(generated);
  const [platform, ...counted] = await Promise.all([
    countComponent(deps.store, PLATFORM_COMPONENT, now),
    ...components.map((component) => countComponent(deps.store, component.id, now)),
  ]);
  const reports: ComponentReport[] = components.map((component, index) => {
    const result = counted[index] as Counted;
    return {
      id: component.id,
      name: component.name,
      state: result.state,
      lastProbeAt: result.lastProbeAt,
      uptime: uptimes(result.counts),
      errorBudget: errorBudgetOf(result.counts["30d"]),
    };
  });
  return {
    status:
      reports.length === 0
        ? "unknown"
        : worstOf(
            reports.map((report) => report.state),
            "operational",
          ),
    generatedAt: generated.toISOString(),
    slo: {
      targetPercent: SLO_TARGET_PERCENT,
      windowDays: SLO_WINDOW_DAYS,
      windowMinutes: WINDOWS["30d"],
      errorBudget: errorBudgetOf((platform as Counted).counts["30d"]),
    },
    uptime: uptimes((platform as Counted).counts),
    components: reports,
    notes: STATUS_NOTES,
  };
}
