/**
 * Issue 14 "OTP first": runs bench/otp-first-child.ts in its own process (LOG_LEVEL=INFO, as
 * deployed) and turns its raw timings into percentiles and ratios (loaded / no bulk).
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { outRoot, projectRoot } from "./bundles.ts";
import { percentile } from "./middleware.ts";

interface RawPhase {
  readonly started: number;
  readonly statuses: Record<string, number>;
  readonly latencies: number[];
  readonly answerTimes: number[];
  /** Baseline only: every AWS SDK call while the verifications ran alone. */
  readonly callsByCommand?: Record<string, number>;
}
interface RawOtpFirst {
  /** Where the functions ran (TEXTGATE_LOCAL_WORKERS). */
  readonly execution: "in-process" | "workers";
  readonly bulkRate: number;
  readonly seconds: number;
  readonly intervalMs: number;
  readonly carrierLatencyMs: number;
  readonly loadavgAtLoad: number[];
  readonly bulk: {
    offered: number;
    accepted: number;
    statuses: Record<string, number>;
    acceptedPerSecond: number;
    drainedMs: number;
    submittedByEnd: number;
  };
  readonly baseline: RawPhase;
  readonly loaded: RawPhase;
}

export interface Percentiles {
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}
export interface OtpPhase {
  readonly started: number;
  readonly statuses: Record<string, number>;
  /** How many OTP texts reached the simulator (the percentiles are over these). */
  readonly received: number;
  /** POST → simulator receipt of the OTP text. */
  readonly toCarrier: Percentiles;
  /** POST → 201 (the API part of toCarrier). */
  readonly answered: Percentiles;
}
export type OtpFirstFigures = Omit<RawOtpFirst, "baseline" | "loaded"> & {
  readonly baseline: OtpPhase;
  readonly loaded: OtpPhase;
  /** AWS SDK calls per verification with no other traffic (start, dispatch, DLR, code check), by command. */
  readonly callsPerVerification: Record<string, number>;
};

const percentiles = (values: readonly number[]): Percentiles => ({
  p50: percentile(values, 50),
  p95: percentile(values, 95),
  p99: percentile(values, 99),
  max: values.length ? Math.max(...values) : Number.NaN,
});

/**
 * An OTP text that never reached the carrier within the wait counts as infinitely late, so the
 * percentiles are over every accepted verification, not just the lucky ones.
 */
const phase = (raw: RawPhase): OtpPhase => ({
  started: raw.started,
  statuses: raw.statuses,
  received: raw.latencies.length,
  toCarrier: percentiles([
    ...raw.latencies,
    ...Array<number>(Math.max(0, (raw.statuses["201"] ?? 0) - raw.latencies.length)).fill(
      Number.POSITIVE_INFINITY,
    ),
  ]),
  answered: percentiles(raw.answerTimes),
});

export function otpFirst(options: {
  bulkRate: number;
  seconds: number;
  intervalMs?: number;
  /** Each function in its own worker threads (TEXTGATE_LOCAL_WORKERS=1) instead of in-process. */
  workers?: boolean;
}): OtpFirstFigures {
  mkdirSync(outRoot, { recursive: true });
  const file = join(outRoot, "otp-first.json");
  const child = spawnSync(
    process.execPath,
    [
      "--import",
      "tsx",
      join(projectRoot, "bench", "otp-first-child.ts"),
      file,
      String(options.bulkRate),
      String(options.seconds),
      String(options.intervalMs ?? 250),
    ],
    {
      cwd: projectRoot,
      stdio: ["ignore", "ignore", "inherit"],
      env: { ...process.env, LOG_LEVEL: "INFO", TEXTGATE_LOCAL_WORKERS: options.workers ? "1" : "0" },
    },
  );
  if (child.status !== 0) throw new Error(`OTP-first measurement failed (exit ${child.status})`);
  const raw = JSON.parse(readFileSync(file, "utf8")) as RawOtpFirst;
  const callsPerVerification = Object.fromEntries(
    Object.entries(raw.baseline.callsByCommand ?? {}).map(([command, n]) => [
      command,
      n / Math.max(1, raw.baseline.started),
    ]),
  );
  return { ...raw, baseline: phase(raw.baseline), loaded: phase(raw.loaded), callsPerVerification };
}
