/** In-memory ProbeStore with the same semantics as the DynamoDB one (pure-logic unit tests only). */
import {
  type DayTally,
  dayOf,
  isUp,
  type ProbeRecord,
  type ProbeStore,
} from "../../functions/status/model.ts";

export interface MemoryProbeStore extends ProbeStore {
  /** Minute records returned by minutes() so far: shows whether long windows use the day tallies. */
  readonly minuteReads: () => number;
  readonly records: () => readonly ProbeRecord[];
}

export function memoryProbeStore(): MemoryProbeStore {
  const probes = new Map<string, ProbeRecord>();
  const tallies = new Map<string, DayTally>();
  let minuteReads = 0;
  return {
    minuteReads: () => minuteReads,
    records: () => [...probes.values()],
    async record(probe) {
      const key = `${probe.component}|${probe.minute}`;
      if (probes.has(key)) return "duplicate";
      probes.set(key, probe);
      const day = dayOf(probe.minute);
      const dayKey = `${probe.component}|${day}`;
      const current = tallies.get(dayKey) ?? { component: probe.component, day, probed: 0, up: 0 };
      tallies.set(dayKey, {
        ...current,
        probed: current.probed + 1,
        up: current.up + (isUp(probe.state) ? 1 : 0),
      });
      return "recorded";
    },
    async minutes(component, from, to) {
      const found = [...probes.values()]
        .filter((probe) => probe.component === component && probe.minute >= from && probe.minute <= to)
        .sort((a, b) => a.minute - b.minute);
      minuteReads += found.length;
      return found;
    },
    async days(component, from, to) {
      return [...tallies.values()].filter((t) => t.component === component && t.day >= from && t.day <= to);
    },
  };
}
