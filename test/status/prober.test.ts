import { describe, expect, it } from "vitest";
import {
  PLATFORM_COMPONENT,
  STATUS_COMPONENTS,
  type StatusComponent,
} from "../../functions/status/components.ts";
import type { ProbeRecord } from "../../functions/status/model.ts";
import { type Checker, queueState, runProbes } from "../../functions/status/probe.ts";
import { catalog, functionSpec } from "../../lib/catalog/index.ts";
import { memoryProbeStore } from "./memory-store.ts";

const MINUTE = 29_400_000;
const backlog = (ages: number[], waiting = 3): ProbeRecord[] =>
  ages.map((age) => ({ component: "otp-sms", minute: MINUTE - age, state: "operational", waiting }));

describe("queue state from the backlog", () => {
  it("is degraded only when messages were waiting at every probe of the last 5 minutes", () => {
    expect(queueState(2, backlog([1, 2, 3, 4]), MINUTE)).toBe("degraded");
    expect(queueState(2, backlog([1, 2, 4]), MINUTE)).toBe("operational"); // a minute not probed
    expect(queueState(2, [...backlog([1, 2, 4]), ...backlog([3], 0)], MINUTE)).toBe("operational");
    expect(queueState(0, backlog([1, 2, 3, 4]), MINUTE)).toBe("operational");
    expect(queueState(2, backlog([2, 3, 4, 5]), MINUTE)).toBe("operational"); // minute 1 missing
  });
});

const storage = STATUS_COMPONENTS.find((c) => c.check.kind === "table") as StatusComponent;
const queues = STATUS_COMPONENTS.filter((c) => c.check.kind === "queue");

describe("a probe run", () => {
  it("records one probe per component and one for the platform; a failing check is an outage", async () => {
    const store = memoryProbeStore();
    const errors: string[] = [];
    const check: Checker = async (component) => {
      if (component.id === queues[0]?.id) throw new Error("connect ECONNREFUSED 10.0.0.1");
      return component.check.kind === "table"
        ? { kind: "table", latencyMs: 4 }
        : { kind: "queue", waiting: 0 };
    };
    const result = await runProbes(
      { minute: MINUTE },
      { store, check, onCheckFailed: (component) => errors.push(component) },
    );
    expect(result.states).toEqual(
      Object.fromEntries(
        STATUS_COMPONENTS.map((c) => [c.id, c.id === queues[0]?.id ? "outage" : "operational"]),
      ),
    );
    expect(errors).toEqual([queues[0]?.id]);
    expect(result.recorded).toBe(STATUS_COMPONENTS.length + 1);
    expect(store.records().find((r) => r.component === PLATFORM_COMPONENT)?.state).toBe("outage");

    const again = await runProbes({ minute: MINUTE }, { store, check });
    expect(again).toMatchObject({ recorded: 0, duplicates: STATUS_COMPONENTS.length + 1 });
    const [tally] = await store.days(PLATFORM_COMPONENT, 0, Number.MAX_SAFE_INTEGER);
    expect(tally).toMatchObject({ probed: 1, up: 0 });
  });

  it("marks slow storage degraded, and the platform degraded (still up)", async () => {
    const store = memoryProbeStore();
    const check: Checker = async (component) =>
      component.check.kind === "table" ? { kind: "table", latencyMs: 1500 } : { kind: "queue", waiting: 0 };
    const result = await runProbes({ minute: MINUTE }, { store, check });
    expect(result.states[storage.id]).toBe("degraded");
    const [tally] = await store.days(PLATFORM_COMPONENT, 0, Number.MAX_SAFE_INTEGER);
    expect(tally).toMatchObject({ probed: 1, up: 1 });
  });

  it("reads the queue's earlier probes to judge a lasting backlog", async () => {
    const store = memoryProbeStore();
    const check: Checker = async (component) =>
      component.check.kind === "table" ? { kind: "table", latencyMs: 1 } : { kind: "queue", waiting: 7 };
    const states = [];
    for (let minute = MINUTE; minute < MINUTE + 5; minute++) {
      states.push((await runProbes({ minute }, { store, check })).states[queues[0]?.id ?? ""]);
    }
    expect(states).toEqual(["operational", "operational", "operational", "operational", "degraded"]);
  });
});

describe("catalogue", () => {
  it("grants the prober exactly the tables and queues its components check, and schedules it", () => {
    const grants = functionSpec("status-probe").grants;
    const tables = STATUS_COMPONENTS.flatMap((c) =>
      c.check.kind === "table" || c.check.kind === "delivery" ? [c.check.table] : [],
    );
    const probedQueues = STATUS_COMPONENTS.flatMap((c) => (c.check.kind === "queue" ? [c.check.queue] : []));
    expect(Object.keys(grants.tables ?? {}).sort()).toEqual([...tables, "status"].sort());
    for (const table of tables) expect(grants.tables?.[table]).toBe("read");
    expect(grants.queues).toEqual(Object.fromEntries(probedQueues.map((q) => [q, "inspect"])));
    expect(catalog.schedules.map((s) => [s.function, s.rateMinutes])).toContainEqual(["status-probe", 1]);
  });

  it("gives the page public component names only (no table, queue or AWS service names)", () => {
    const internal = [...catalog.tables.map((t) => t.id), ...catalog.queues.map((q) => q.id)];
    for (const component of STATUS_COMPONENTS) {
      expect(internal).not.toContain(component.id);
      expect(component.name).not.toMatch(/dynamo|sqs|queue|table|lambda|aws/i);
    }
  });
});
