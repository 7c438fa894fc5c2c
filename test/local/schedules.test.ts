import { describe, expect, it } from "vitest";
import type { FunctionSpec, ScheduleSpec } from "../../lib/catalog/index.ts";
import { startSchedules } from "../../local/schedules.ts";

const fn: FunctionSpec = {
  id: "tick",
  purpose: "test",
  entry: "none.ts",
  memoryMb: 128,
  timeoutSeconds: 2,
  grants: {},
};
const schedule: ScheduleSpec = { id: "tick-fast", purpose: "test", function: "tick", rateMinutes: 1 };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("local schedules", () => {
  it("invokes the function on its timer with an EventBridge Scheduled Event, never overlapping, and stops cleanly", async () => {
    const events: Record<string, unknown>[] = [];
    let active = 0;
    let maxActive = 0;
    let finished = 0;
    const schedules = startSchedules({
      schedules: [schedule],
      functions: [fn],
      stage: "local",
      intervalMs: () => 10,
      loader: async () => async (event) => {
        events.push(event as Record<string, unknown>);
        active++;
        maxActive = Math.max(maxActive, active);
        await sleep(35);
        active--;
        finished++;
        return "done";
      },
    });
    await expect.poll(() => events.length, { timeout: 5000, interval: 10 }).toBeGreaterThanOrEqual(2);
    await schedules.stop();
    const stoppedAt = events.length;
    // stop() waited for the run in progress, and no tick starts a run afterwards.
    expect(finished).toBe(stoppedAt);
    await sleep(60);
    expect(events.length).toBe(stoppedAt);
    expect(maxActive).toBe(1);
    expect(events[0]).toMatchObject({
      "detail-type": "Scheduled Event",
      source: "aws.events",
      resources: ["arn:aws:events:eu-central-1:000000000000:rule/textgate-local-tick-fast"],
      detail: {},
    });
    expect(String(events[0]?.time)).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
  });

  it("runOnce resolves with the function's result and rejects unknown schedules", async () => {
    const schedules = startSchedules({
      schedules: [schedule],
      functions: [fn],
      stage: "local",
      loader: async () => async () => ({ ok: true }),
    });
    await expect(schedules.runOnce("tick-fast")).resolves.toEqual({ ok: true });
    await expect(schedules.runOnce("nope")).rejects.toThrow(/unknown schedule/);
    await schedules.stop();
  });
});
