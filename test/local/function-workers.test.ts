import { randomUUID } from "node:crypto";
import { threadId as mainThreadId } from "node:worker_threads";
import { afterEach, describe, expect, it } from "vitest";
import { tableName } from "../../functions/shared/config.ts";
import type { FunctionSpec } from "../../lib/catalog/index.ts";
import { FunctionTimeoutError } from "../../local/lambda-runtime.ts";
import { functionExecution } from "../../local/platform.ts";
import { type FunctionWorkers, startFunctionWorkers } from "../../local/workers/pool.ts";
import { useLocalPlatformEnv } from "../support/env.ts";

/**
 * Worker mode of the local runtime (TEXTGATE_LOCAL_WORKERS=1): each function runs in worker threads
 * of its own, like a Lambda container. A fake function (fixtures/worker-probe.ts) runs through the
 * real pool against the real emulators and reports what it sees from inside its worker.
 */
const env = useLocalPlatformEnv();
const stage = env.TEXTGATE_STAGE ?? "local";
const accountsTable = tableName("accounts");

const probe = (overrides: Partial<FunctionSpec> = {}): FunctionSpec => ({
  id: "worker-probe",
  purpose: "test",
  entry: "test/local/fixtures/worker-probe.ts",
  memoryMb: 128,
  timeoutSeconds: 5,
  grants: { tables: { ephemeral: "read" } },
  environment: { PROBE_SETTING: "from-the-catalogue" },
  ...overrides,
});

interface Inspection {
  isMainThread: boolean;
  threadId: number;
  invocations: number;
  functionName: string;
  remainingMs: number;
  env: Record<string, string | undefined>;
}

let pools: FunctionWorkers[] = [];
const startPool = (workersPerFunction?: number, backstopGraceMs?: number): FunctionWorkers => {
  const pool = startFunctionWorkers({
    stage,
    ...(workersPerFunction ? { workersPerFunction } : {}),
    ...(backstopGraceMs !== undefined ? { backstopGraceMs } : {}),
  });
  pools.push(pool);
  return pool;
};
afterEach(async () => {
  await Promise.all(pools.map((pool) => pool.stop()));
  pools = [];
});

describe("a function in its own worker thread", () => {
  it("runs off the platform thread, warm between invocations, with a Lambda Context", async () => {
    const pool = startPool();
    const fn = probe();
    const first = (await pool.invoke(fn, { action: "inspect" })) as Inspection;
    const second = (await pool.invoke(fn, { action: "inspect" })) as Inspection;
    expect(first.isMainThread).toBe(false);
    expect(first.threadId).not.toBe(mainThreadId);
    // Same container: the module was imported once and keeps its state.
    expect(second.threadId).toBe(first.threadId);
    expect([first.invocations, second.invocations]).toEqual([1, 2]);
    expect(first.functionName).toBe(`textgate-${stage}-worker-probe`);
    expect(first.remainingMs).toBeGreaterThan(0);
    expect(first.remainingMs).toBeLessThanOrEqual(5000);
    expect(pool.started()).toEqual({ "worker-probe": 1 });
  });

  it("sees a private env: its grants' names and its own environment, nothing of other functions'", async () => {
    // Another function's catalogue environment, as the platform process holds it.
    process.env.VERIFY_DEFAULT_EXPIRY_SECONDS = "600";
    const seen = (await startPool().invoke(probe(), { action: "inspect" })) as Inspection;
    expect(seen.env).toEqual({
      ephemeral: `textgate-${stage}-ephemeral`,
      accounts: undefined,
      own: "from-the-catalogue",
      otherFunctions: undefined,
      region: env.AWS_REGION,
    });
  });

  it("has its catalogue grants enforced on SDK calls made inside the worker", async () => {
    const put = startPool().invoke(probe(), { action: "put", table: accountsTable, pk: `W#${randomUUID()}` });
    await expect(put).rejects.toMatchObject({
      name: "AccessDeniedException",
      message: expect.stringContaining(
        `assumed-role/textgate-${stage}-worker-probe-role/textgate-${stage}-worker-probe is not authorized to perform: dynamodb:PutItem`,
      ),
    });
  });

  it("returns a thrown error with its name and message", async () => {
    const thrown = startPool().invoke(probe(), {
      action: "throw",
      name: "ProbeError",
      message: "probe failed",
    });
    await expect(thrown).rejects.toMatchObject({ name: "ProbeError", message: "probe failed" });
  });

  it("is cut off at the catalogue timeout with a FunctionTimeoutError, and serves the next invocation", async () => {
    const pool = startPool();
    const fn = probe({ timeoutSeconds: 1 });
    const slow = pool.invoke(fn, { action: "sleep", ms: 3000 });
    await expect(slow).rejects.toBeInstanceOf(FunctionTimeoutError);
    await expect(slow).rejects.toThrow("textgate-local-worker-probe timed out after 1 s");
    await expect(pool.invoke(fn, { action: "sleep", ms: 1 })).resolves.toEqual({ slept: 1 });
  });
});

describe("timeouts count from the invocation's start, as on Lambda", () => {
  it("a cold start longer than the timeout is not a timeout", async () => {
    const pool = startPool(1, 0);
    const slowInit = probe({
      id: "slow-init-probe",
      entry: "test/local/fixtures/slow-init-probe.ts",
      timeoutSeconds: 1,
    });
    await expect(pool.invoke(slowInit, {})).resolves.toEqual({ initialised: true });
  });

  it("a worker whose event loop is blocked past the timeout is cut off and replaced", async () => {
    const pool = startPool(1, 0);
    const fn = probe({ timeoutSeconds: 1 });
    await pool.invoke(fn, { action: "sleep", ms: 1 });
    const blocked = pool.invoke(fn, { action: "spin", ms: 2500 });
    await expect(blocked).rejects.toBeInstanceOf(FunctionTimeoutError);
    await expect(blocked).rejects.toThrow("its worker did not answer");
    // The discarded container's module state is gone: a new cold start serves the next invocation.
    const next = (await pool.invoke(fn, { action: "inspect" })) as Inspection;
    expect(next.invocations).toBe(1);
    expect(pool.started()).toEqual({ "worker-probe": 2 });
  });
});

describe("function concurrency", () => {
  it("one worker per function by default: concurrent invocations share it", async () => {
    const pool = startPool();
    const fn = probe();
    await Promise.all([
      pool.invoke(fn, { action: "sleep", ms: 200 }),
      pool.invoke(fn, { action: "sleep", ms: 200 }),
    ]);
    expect(pool.started()).toEqual({ "worker-probe": 1 });
  });

  it("scales to another worker while every worker is busy, up to workersPerFunction", async () => {
    const pool = startPool(2);
    const fn = probe();
    const busy = [1, 2, 3].map(() => pool.invoke(fn, { action: "sleep", ms: 300 }));
    await Promise.all(busy);
    expect(pool.started()).toEqual({ "worker-probe": 2 });
    const threads = await Promise.all([
      pool.invoke(fn, { action: "inspect" }),
      pool.invoke(fn, { action: "inspect" }),
    ]);
    expect(new Set(threads.map((seen) => (seen as Inspection).threadId)).size).toBe(2);
  });

  it("an SQS batch runs in the function's workers for its queue: sms-otp never shares a loop with sms-bulk", async () => {
    const pool = startPool();
    const fn = probe();
    const batchFrom = (queue: string) => ({
      action: "inspect",
      Records: [{ eventSourceARN: `arn:aws:sqs:eu-central-1:000000000000:textgate-${stage}-${queue}` }],
    });
    const [otp, bulk] = (await Promise.all([
      pool.invoke(fn, batchFrom("sms-otp")),
      pool.invoke(fn, batchFrom("sms-bulk")),
    ])) as Inspection[];
    expect(otp?.threadId).not.toBe(bulk?.threadId);
    await pool.invoke(fn, batchFrom("sms-otp"));
    expect(pool.started()).toEqual({
      [`worker-probe@textgate-${stage}-sms-otp`]: 1,
      [`worker-probe@textgate-${stage}-sms-bulk`]: 1,
    });
  });

  it("refuses invocations once stopped", async () => {
    const pool = startPool();
    await pool.invoke(probe(), { action: "sleep", ms: 1 });
    await pool.stop();
    await expect(pool.invoke(probe(), { action: "inspect" })).rejects.toThrow("local platform stopping");
  });
});

describe("execution mode", () => {
  it("workers only when asked (option or TEXTGATE_LOCAL_WORKERS=1), never with a custom loader", () => {
    const saved = process.env.TEXTGATE_LOCAL_WORKERS;
    try {
      process.env.TEXTGATE_LOCAL_WORKERS = "1";
      expect(functionExecution({})).toBe("workers");
      expect(functionExecution({ workers: false })).toBe("in-process");
      expect(functionExecution({ loader: async () => async () => ({}) })).toBe("in-process");
      process.env.TEXTGATE_LOCAL_WORKERS = "0";
      expect(functionExecution({})).toBe("in-process");
      expect(functionExecution({ workers: true })).toBe("workers");
    } finally {
      if (saved === undefined) delete process.env.TEXTGATE_LOCAL_WORKERS;
      else process.env.TEXTGATE_LOCAL_WORKERS = saved;
    }
  });
});
