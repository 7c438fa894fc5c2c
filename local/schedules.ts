/**
 * Catalogue schedules for the local platform: each schedule's function runs on a timer with an
 * event shaped like EventBridge's "Scheduled Event", with the catalogue timeout enforced. Runs of one
 * schedule never overlap (a slow run makes the next tick skip). stop() clears the timers and waits
 * for runs in progress.
 */
import { randomUUID } from "node:crypto";
import type { ScheduledEvent } from "aws-lambda";
import { catalog, type FunctionSpec, physicalName, type ScheduleSpec } from "../lib/catalog/index.ts";
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from "./emulators.ts";
import { type FunctionInvoker, type HandlerLoader, inProcessInvoker } from "./lambda-runtime.ts";

export interface SchedulesOptions {
  readonly schedules: readonly ScheduleSpec[];
  readonly stage: string;
  readonly functions?: readonly FunctionSpec[];
  readonly loader?: HandlerLoader;
  /** Runs invocations (e.g. in worker threads); default: in this thread with `loader`. */
  readonly invoke?: FunctionInvoker;
  /** Tests may tick faster than the catalogue rate. */
  readonly intervalMs?: (schedule: ScheduleSpec) => number;
  readonly onError?: (message: string, error: unknown) => void;
}

export interface RunningSchedules {
  /** Runs one schedule now (joins a run in progress); resolves with the function's result. */
  runOnce(scheduleId: string): Promise<unknown>;
  stop(): Promise<void>;
}

export function scheduledEvent(schedule: ScheduleSpec, stage: string, at: Date): ScheduledEvent {
  return {
    version: "0",
    id: randomUUID(),
    "detail-type": "Scheduled Event",
    source: "aws.events",
    account: LOCAL_ACCOUNT_ID,
    time: `${at.toISOString().slice(0, 19)}Z`,
    region: LOCAL_REGION,
    resources: [
      `arn:aws:events:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:rule/${physicalName(stage, schedule.id)}`,
    ],
    detail: {},
  };
}

export function startSchedules(options: SchedulesOptions): RunningSchedules {
  const functions = options.functions ?? catalog.functions;
  const invoke = options.invoke ?? inProcessInvoker(options.stage, options.loader);
  const onError =
    options.onError ??
    ((message: string, error: unknown) =>
      console.error(
        `local schedules: ${message}: ${error instanceof Error ? error.message : String(error)}`,
      ));
  const running = new Map<string, Promise<unknown>>();
  const timers: NodeJS.Timeout[] = [];
  let stopped = false;

  const byId = new Map(options.schedules.map((schedule) => [schedule.id, schedule]));
  const runOnce = (scheduleId: string): Promise<unknown> => {
    const schedule = byId.get(scheduleId);
    if (!schedule) return Promise.reject(new Error(`unknown schedule "${scheduleId}"`));
    const inProgress = running.get(scheduleId);
    if (inProgress) return inProgress;
    const fn = functions.find((candidate) => candidate.id === schedule.function);
    if (!fn)
      return Promise.reject(new Error(`schedule ${scheduleId}: unknown function "${schedule.function}"`));
    const run = invoke(fn, scheduledEvent(schedule, options.stage, new Date())).finally(() =>
      running.delete(scheduleId),
    );
    running.set(scheduleId, run);
    return run;
  };

  for (const schedule of options.schedules) {
    const interval = options.intervalMs?.(schedule) ?? schedule.rateMinutes * 60_000;
    const timer = setInterval(() => {
      if (stopped) return;
      runOnce(schedule.id).catch((error: unknown) => onError(`${schedule.id} failed`, error));
    }, interval);
    timer.unref();
    timers.push(timer);
  }

  return {
    runOnce,
    stop: async () => {
      stopped = true;
      for (const timer of timers) clearInterval(timer);
      await Promise.allSettled([...running.values()]);
    },
  };
}
