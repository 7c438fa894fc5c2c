/**
 * The status page's vocabulary: components, probe records, minutes and days. Time is counted in
 * whole UTC minutes since the epoch ("epoch minutes"), so windows are integer arithmetic.
 */

export type ComponentState = "operational" | "degraded" | "outage";
/** What the page shows for a component: its last probe's state, or unknown when none is recent. */
export type ReportedState = ComponentState | "unknown";

export const MINUTES_PER_DAY = 1440;

/** One component's probe for one minute. `waiting` is a queue's visible backlog (queues only). */
export interface ProbeRecord {
  readonly component: string;
  readonly minute: number;
  readonly state: ComponentState;
  readonly waiting?: number;
}

/** Per-day counts, kept beside the minute records so 30-day windows read 30 items, not 43,200. */
export interface DayTally {
  readonly component: string;
  readonly day: number;
  readonly probed: number;
  readonly up: number;
}

/** Degraded still serves requests (slower); only an outage minute counts as down. */
export const isUp = (state: ComponentState): boolean => state !== "outage";

export const epochMinute = (date: Date): number => Math.floor(date.getTime() / 60_000);
export const dayOf = (minute: number): number => Math.floor(minute / MINUTES_PER_DAY);
export const minuteIso = (minute: number): string =>
  `${new Date(minute * 60_000).toISOString().slice(0, 16)}Z`;
export const dayIso = (day: number): string => new Date(day * 86_400_000).toISOString().slice(0, 10);

/** Parses minuteIso's output back; undefined for anything else. */
export function parseMinuteIso(text: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}Z$/.test(text)) return undefined;
  const ms = Date.parse(`${text.slice(0, 16)}:00Z`);
  return Number.isNaN(ms) ? undefined : ms / 60_000;
}

export function parseDayIso(text: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return undefined;
  const ms = Date.parse(`${text}T00:00:00Z`);
  return Number.isNaN(ms) ? undefined : ms / 86_400_000;
}

/** Worst first: one outage makes the platform's minute an outage minute. */
const SEVERITY: Readonly<Record<ReportedState, number>> = {
  operational: 0,
  unknown: 1,
  degraded: 2,
  outage: 3,
};

export function worstOf<S extends ReportedState>(states: readonly S[], none: S): S {
  return states.reduce<S>((worst, state) => (SEVERITY[state] > SEVERITY[worst] ? state : worst), none);
}

/** Where probe records live. Implemented on DynamoDB in store.ts, in memory in the unit tests. */
export interface ProbeStore {
  /**
   * Records one probe and counts it in its day's tally, atomically. A second probe for the same
   * component and minute (a retried run) changes nothing and returns "duplicate".
   */
  record(probe: ProbeRecord): Promise<"recorded" | "duplicate">;
  /** Probes of one component with fromMinute <= minute <= toMinute, oldest first. */
  minutes(component: string, fromMinute: number, toMinute: number): Promise<ProbeRecord[]>;
  /** Day tallies of one component with fromDay <= day <= toDay. */
  days(component: string, fromDay: number, toDay: number): Promise<DayTally[]>;
}
