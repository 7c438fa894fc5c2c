/**
 * Runs each catalogue function in worker threads of its own, as Lambda runs each function in its own
 * containers: a function's CPU work no longer queues behind every other function's on the platform
 * thread. A function's first worker starts on its first invocation (a cold start); it may scale up
 * to `workersPerFunction` while all its workers are busy, and each worker serves its invocations
 * concurrently (one Node event loop per worker).
 */
import { Worker } from "node:worker_threads";
import type { FunctionSpec } from "../../lib/catalog/index.ts";
import { functionProcessEnv } from "../iam/function-env.ts";
import { type FunctionInvoker, FunctionTimeoutError } from "../lambda-runtime.ts";
import {
  deserializeError,
  type InvocationRequest,
  isInvocationReply,
  serializeError,
  type WorkerStart,
} from "./protocol.ts";

export interface FunctionWorkersOptions {
  readonly stage: string;
  /** Most worker threads one function scales to (its concurrency); default 1. */
  readonly workersPerFunction?: number;
  /** How long past its timeout a started invocation may go unanswered before its worker is discarded. */
  readonly backstopGraceMs?: number;
}

export interface FunctionWorkers {
  readonly invoke: FunctionInvoker;
  /** Worker threads started so far (cold starts), per function id, or `<id>@<queue>` for SQS batches. */
  started(): Record<string, number>;
  /**
   * Event-loop time of the running workers since they started, keyed like started() (summed over
   * the lane's workers): active ms and idle ms. For the bench: which function's thread is busy.
   */
  utilization(): Record<string, { activeMs: number; idleMs: number }>;
  stop(): Promise<void>;
}

/**
 * The worker enforces the catalogue timeout itself; this backstop on the platform side, armed when
 * the worker reports the invocation started (after the cold start, which a busy machine can make
 * long), fires only if the worker cannot (its event loop blocked for this long past the timeout).
 */
const DEFAULT_BACKSTOP_GRACE_MS = 10_000;
const BOOTSTRAP = new URL("./bootstrap.mjs", import.meta.url);

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  backstop?: NodeJS.Timeout;
}

/** One worker thread of one function, and the invocations it has not answered yet. */
class Container {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private gone = false;
  /** When the worker last sent anything: a worker still answering is busy, not stuck. */
  private lastHeardAt = Date.now();
  private readonly worker: Worker;

  constructor(
    private readonly fn: FunctionSpec,
    stage: string,
    private readonly backstopGraceMs: number,
    private readonly onGone: (container: Container) => void,
  ) {
    this.worker = new Worker(BOOTSTRAP, {
      workerData: { fn, stage } satisfies WorkerStart,
      // A private copy: the worker sees exactly the env the function is given, nothing else.
      env: functionProcessEnv(fn, process.env),
      // Loaders of the parent (tsx, vitest) are not inherited (bootstrap.mjs registers tsx once);
      // --cpu-prof is, so a profiled run (bench/cpu-profile.ts) gets one profile per function thread.
      execArgv: process.execArgv.filter((arg) => arg.startsWith("--cpu-prof")),
      name: `textgate-${fn.id}`,
    });
    this.worker.on("message", (message: unknown) => {
      this.lastHeardAt = Date.now();
      if (!isInvocationReply(message)) return;
      const pending = this.pending.get(message.id);
      if (!pending) return;
      if ("started" in message) {
        pending.backstop = this.backstop(message.id);
        return;
      }
      this.settle(message.id);
      if (message.ok) pending.resolve(message.value);
      else pending.reject(deserializeError(message.error));
    });
    this.worker.on("error", (error) => this.end(deserializeError(serializeError(error))));
    this.worker.on("exit", (code) => this.end(new Error(`${fn.id} worker exited (code ${code})`)));
  }

  get loopTime(): { activeMs: number; idleMs: number } {
    const { active, idle } = this.worker.performance.eventLoopUtilization();
    return { activeMs: active, idleMs: idle };
  }

  get inFlight(): number {
    return this.pending.size;
  }

  invoke(event: unknown): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, event } satisfies InvocationRequest);
    });
  }

  private backstop(id: number): NodeJS.Timeout {
    return setTimeout(
      () => {
        const pending = this.pending.get(id);
        this.settle(id);
        pending?.reject(
          new FunctionTimeoutError(
            `${this.fn.id} timed out after ${this.fn.timeoutSeconds} s (its worker did not answer)`,
          ),
        );
        // Lambda discards a timed-out container, but a container there serves ONE invocation; this
        // worker serves many. Discard it (failing the others) only if it said nothing for the whole
        // grace period (its event loop blocked), not merely because an overloaded one answers late.
        if (Date.now() - this.lastHeardAt >= this.backstopGraceMs)
          void this.stop(new Error(`${this.fn.id} worker discarded: it stopped answering`));
      },
      this.fn.timeoutSeconds * 1000 + this.backstopGraceMs,
    );
  }

  /** Terminates the worker; invocations it has not answered fail with `reason`. */
  async stop(reason: Error): Promise<void> {
    this.end(reason);
    await this.worker.terminate();
  }

  private settle(id: number): void {
    const pending = this.pending.get(id);
    if (pending) clearTimeout(pending.backstop);
    this.pending.delete(id);
  }

  private end(reason: Error): void {
    if (!this.gone) {
      this.gone = true;
      this.onGone(this);
    }
    for (const [id, pending] of [...this.pending]) {
      this.settle(id);
      pending.reject(reason);
    }
  }
}

/**
 * Which workers serve an invocation: the function's own, and for an SQS batch its workers for that
 * queue. On AWS every invocation has a container to itself and each event-source mapping its own
 * concurrency, so a batch from sms-otp never waits for CPU behind sms-bulk's batches in the same
 * dispatcher; one worker shared by every queue would make it wait (issue 14, OTP first).
 */
export function laneOf(fn: FunctionSpec, event: unknown): string {
  const records =
    typeof event === "object" && event !== null && "Records" in event ? event.Records : undefined;
  const first: unknown = Array.isArray(records) ? records[0] : undefined;
  const arn =
    typeof first === "object" && first !== null && "eventSourceARN" in first
      ? first.eventSourceARN
      : undefined;
  if (typeof arn !== "string" || !arn.startsWith("arn:aws:sqs:")) return fn.id;
  return `${fn.id}@${arn.slice(arn.lastIndexOf(":") + 1)}`;
}

export function startFunctionWorkers(options: FunctionWorkersOptions): FunctionWorkers {
  const maxPerFunction = Math.max(1, options.workersPerFunction ?? 1);
  const containers = new Map<string, Container[]>();
  const coldStarts: Record<string, number> = {};
  let stopping = false;

  const startContainer = (fn: FunctionSpec, lane: string, running: Container[]): Container => {
    const grace = options.backstopGraceMs ?? DEFAULT_BACKSTOP_GRACE_MS;
    const container = new Container(fn, options.stage, grace, (gone) => {
      const index = running.indexOf(gone);
      if (index >= 0) running.splice(index, 1);
    });
    running.push(container);
    coldStarts[lane] = (coldStarts[lane] ?? 0) + 1;
    return container;
  };

  /** The lane's least busy worker; a new one while all of them are busy and the lane may scale. */
  const containerFor = (fn: FunctionSpec, lane: string): Container => {
    let running = containers.get(lane);
    if (!running) {
      running = [];
      containers.set(lane, running);
    }
    let best: Container | undefined;
    for (const container of running) if (!best || container.inFlight < best.inFlight) best = container;
    if (best && (best.inFlight === 0 || running.length >= maxPerFunction)) return best;
    return startContainer(fn, lane, running);
  };

  return {
    invoke: (fn, event) => {
      if (stopping) return Promise.reject(new Error(`local platform stopping: ${fn.id} not invoked`));
      return containerFor(fn, laneOf(fn, event)).invoke(event);
    },
    started: () => ({ ...coldStarts }),
    utilization: () => {
      const out: Record<string, { activeMs: number; idleMs: number }> = {};
      for (const [id, running] of containers) {
        for (const { loopTime } of running) {
          const sum = out[id] ?? { activeMs: 0, idleMs: 0 };
          out[id] = { activeMs: sum.activeMs + loopTime.activeMs, idleMs: sum.idleMs + loopTime.idleMs };
        }
      }
      return out;
    },
    stop: async () => {
      stopping = true;
      const all = [...containers.values()].flat();
      await Promise.allSettled(all.map((container) => container.stop(new Error("local platform stopped"))));
    },
  };
}
