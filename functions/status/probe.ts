/**
 * Prober use case: run every component's check, classify, record one probe per component (and one
 * for the platform as a whole) for the given minute. Checks are ports; checks.ts has the AWS ones.
 */
import { PLATFORM_COMPONENT, STATUS_COMPONENTS, type StatusComponent } from "./components.ts";
import { type ComponentState, type ProbeRecord, type ProbeStore, worstOf } from "./model.ts";

/** Storage reads slower than this are degraded (a GetItem normally answers in single-digit ms). */
export const DEGRADED_LATENCY_MS = 1000;
/**
 * A queue is degraded when messages have been waiting at every probe for this many minutes: its
 * consumer is not keeping up, so the oldest message is about this old. (SQS has no queue attribute
 * for the oldest message's age; that is a CloudWatch metric, which the queue-age alarm watches.)
 */
export const BACKLOG_MINUTES = 5;

export type Observation =
  | { readonly kind: "table"; readonly latencyMs: number }
  | { readonly kind: "queue"; readonly waiting: number }
  | { readonly kind: "delivery"; readonly carriersBelowAgreed: number };

/** Runs one component's check; throws (or times out) when the dependency cannot be reached. */
export type Checker = (component: StatusComponent) => Promise<Observation>;

export interface ProbeDeps {
  readonly store: ProbeStore;
  readonly check: Checker;
  readonly components?: readonly StatusComponent[];
  /** Why a check failed goes to the operator's log only, never to the page. */
  readonly onCheckFailed?: (component: string, error: unknown) => void;
}

export interface ProbeRunResult {
  readonly minute: number;
  readonly states: Readonly<Record<string, ComponentState>>;
  readonly recorded: number;
  readonly duplicates: number;
}

/** Pure: state of a queue from its backlog now and at the previous probes (newest last). */
export function queueState(
  waiting: number,
  previous: readonly ProbeRecord[],
  minute: number,
): ComponentState {
  if (waiting <= 0) return "operational";
  const earlier = new Set(
    previous
      .filter((probe) => probe.minute >= minute - (BACKLOG_MINUTES - 1) && probe.minute < minute)
      .filter((probe) => (probe.waiting ?? 0) > 0)
      .map((probe) => probe.minute),
  );
  // Every one of the previous BACKLOG_MINUTES - 1 minutes had waiting messages too.
  return earlier.size >= BACKLOG_MINUTES - 1 ? "degraded" : "operational";
}

export const tableState = (latencyMs: number): ComponentState =>
  latencyMs > DEGRADED_LATENCY_MS ? "degraded" : "operational";

async function probeOne(
  component: StatusComponent,
  minute: number,
  deps: ProbeDeps,
): Promise<Omit<ProbeRecord, "component">> {
  let observation: Observation;
  try {
    observation = await deps.check(component);
  } catch (error) {
    deps.onCheckFailed?.(component.id, error);
    return { minute, state: "outage" };
  }
  if (observation.kind === "table") return { minute, state: tableState(observation.latencyMs) };
  // Messages still go out when a carrier delivers worse than agreed: degraded, not an outage.
  if (observation.kind === "delivery") {
    return { minute, state: observation.carriersBelowAgreed > 0 ? "degraded" : "operational" };
  }
  const previous = await deps.store.minutes(component.id, minute - (BACKLOG_MINUTES - 1), minute - 1);
  return { minute, state: queueState(observation.waiting, previous, minute), waiting: observation.waiting };
}

export async function runProbes(input: { minute: number }, deps: ProbeDeps): Promise<ProbeRunResult> {
  const components = deps.components ?? STATUS_COMPONENTS;
  const probes = await Promise.all(
    components.map(async (component) => ({
      component: component.id,
      ...(await probeOne(component, input.minute, deps)),
    })),
  );
  const platform: ProbeRecord = {
    component: PLATFORM_COMPONENT,
    minute: input.minute,
    state: worstOf(
      probes.map((probe) => probe.state),
      "operational",
    ),
  };
  const outcomes = await Promise.all([...probes, platform].map((probe) => deps.store.record(probe)));
  return {
    minute: input.minute,
    states: Object.fromEntries(probes.map((probe) => [probe.component, probe.state])),
    recorded: outcomes.filter((outcome) => outcome === "recorded").length,
    duplicates: outcomes.filter((outcome) => outcome === "duplicate").length,
  };
}
