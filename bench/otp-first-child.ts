/**
 * "OTP first under bulk" in its own process (the parent sets LOG_LEVEL=INFO, as deployed; function
 * log output is swallowed). Starts the local platform, then:
 *  1. baseline: a verification started every `intervalMs` with no other traffic;
 *  2. loaded: bulk SMS (priority low → sms-bulk) paced at `bulkRate`/s for `seconds`, with a
 *     verification started every `intervalMs` alongside.
 * For each verification: time from just before its POST to the carrier simulator's receipt of its
 * OTP text (outbox `receivedAt`, same process clock). Each code is then checked, so the fraud
 * guard's conversion stays healthy (an unconverted prefix would be blocked after 20 sends).
 * Usage: tsx bench/otp-first-child.ts <out.json> <bulkRate> <seconds> <intervalMs>
 */
import { writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { type BenchPlatform, countBy, recipients, startBenchPlatform } from "./pipeline.ts";
import { installSdkMeter, summarize } from "./sdk-meter.ts";

const [outFile = "", rateArg = "200", secondsArg = "20", intervalArg = "250"] = process.argv.slice(2);
const bulkRate = Number(rateArg);
const seconds = Number(secondsArg);
const intervalMs = Number(intervalArg);
/** Open-loop pacing, but never more requests in flight than this (the achieved rate is reported). */
const MAX_IN_FLIGHT = 256;
const CARRIER_LATENCY_MS = 50;

process.stdout.write = (() => true) as typeof process.stdout.write;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface VerificationTiming {
  readonly to: string;
  readonly postedAt: number;
  status: number;
  id?: string;
  /** ms from the POST to its 201 (the rest of latencyMs is queue, dispatch and carrier). */
  answeredMs?: number;
  /** ms from the POST to the simulator's receipt of the OTP text; undefined while not seen. */
  latencyMs?: number;
}

async function call(bench: BenchPlatform, path: string, body: unknown): Promise<Response> {
  return fetch(`${bench.platform.apiUrl}${path}`, {
    method: "POST",
    headers: { Authorization: `Bearer ${bench.apiKey}`, "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
}

async function startVerification(bench: BenchPlatform, timing: VerificationTiming): Promise<void> {
  try {
    const response = await call(bench, "/v1/verifications", { to: timing.to, channel: "sms" });
    timing.status = response.status;
    timing.answeredMs = Date.now() - timing.postedAt;
    const body = (await response.json()) as { id?: string };
    if (body.id) timing.id = body.id;
  } catch {
    timing.status = 0;
  }
}

const answered = (t: VerificationTiming) => t.status !== 0;
const settled = (t: VerificationTiming) => answered(t) && (t.status !== 201 || t.latencyMs !== undefined);

/**
 * Runs alongside the starts: fills in each timing's latency from the outbox and checks its code,
 * until `starting` has resolved and every started verification is settled (or the timeout).
 */
async function collect(
  bench: BenchPlatform,
  timings: VerificationTiming[],
  starting: Promise<unknown>,
  timeoutMs: number,
) {
  let allStarted = false;
  void starting.then(() => {
    allStarted = true;
  });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const timing of timings) {
      if (timing.latencyMs !== undefined || timing.status !== 201) continue;
      const entry = bench.carrier.outbox(timing.to)[0];
      if (!entry) continue;
      timing.latencyMs = Date.parse(entry.receivedAt) - timing.postedAt;
      const code = /\b(\d{6,10})\b/.exec(entry.text)?.[1];
      if (code && timing.id) {
        void call(bench, `/v1/verifications/${timing.id}/checks`, { code })
          .then((r) => r.arrayBuffer())
          .catch(() => undefined);
      }
    }
    if (allStarted && timings.every(settled)) return;
    await sleep(50);
  }
}

/** Starts a verification every `intervalMs` until `durationMs` has passed; each joins `sink` at its POST. */
async function verificationsEvery(
  bench: BenchPlatform,
  numbers: readonly string[],
  durationMs: number,
  sink: VerificationTiming[],
) {
  const pending: Promise<void>[] = [];
  const started = performance.now();
  for (let i = 0; performance.now() - started < durationMs && i < numbers.length; i++) {
    const timing: VerificationTiming = { to: numbers[i] as string, postedAt: Date.now(), status: 0 };
    sink.push(timing);
    pending.push(startVerification(bench, timing));
    const nextAt = started + (i + 1) * intervalMs;
    await sleep(Math.max(0, nextAt - performance.now()));
  }
  await Promise.all(pending);
}

/** Verifications every `intervalMs` for `durationMs`, measured and converted as they arrive. */
async function measuredVerifications(bench: BenchPlatform, numbers: readonly string[], durationMs: number) {
  const timings: VerificationTiming[] = [];
  const starting = verificationsEvery(bench, numbers, durationMs, timings);
  await collect(bench, timings, starting, durationMs + 60_000);
  await starting;
  return timings;
}

/** Bulk at `rate`/s for `durationMs` (open loop, capped in flight); resolves when all have answered. */
async function bulkAt(bench: BenchPlatform, rate: number, durationMs: number, offset = 0) {
  const numbers = recipients(Math.ceil(rate * (durationMs / 1000)) + 1, offset);
  const statuses: number[] = [];
  const inFlight = new Set<Promise<void>>();
  const started = performance.now();
  let sent = 0;
  while (performance.now() - started < durationMs) {
    const due = Math.floor(((performance.now() - started) / 1000) * rate);
    while (sent < due && inFlight.size < MAX_IN_FLIGHT && sent < numbers.length) {
      const to = numbers[sent++] as string;
      const request = call(bench, "/v1/messages", { to, text: "Bulk bench message", priority: "low" })
        .then(async (r) => {
          await r.arrayBuffer();
          statuses.push(r.status);
        })
        .catch(() => {
          statuses.push(0);
        })
        .finally(() => inFlight.delete(request));
      inFlight.add(request);
    }
    await sleep(5);
  }
  const offeredMs = performance.now() - started;
  await Promise.all(inFlight);
  const accepted = statuses.filter((s) => s === 202).length;
  return {
    offered: sent,
    accepted,
    statuses: countBy(statuses, (s) => s),
    acceptedPerSecond: accepted / (offeredMs / 1000),
    drainedMs: performance.now() - started,
    numbers: numbers.slice(0, sent),
  };
}

const latencies = (timings: VerificationTiming[]) =>
  timings.flatMap((t) => (t.latencyMs === undefined ? [] : [t.latencyMs]));
const answerTimes = (timings: VerificationTiming[]) =>
  timings.flatMap((t) => (t.answeredMs === undefined ? [] : [t.answeredMs]));

const meter = installSdkMeter();
const bench = await startBenchPlatform();
try {
  bench.carrier.faults.latencyMs = CARRIER_LATENCY_MS;
  const verifyNumbers = recipients(400, 600_000);
  // Warm-up: first invocations of send, verify and dispatch pay module init.
  await Promise.all([
    measuredVerifications(bench, verifyNumbers.slice(0, 4), 4 * intervalMs),
    bulkAt(bench, 20, 1000, 300_000),
  ]);
  await sleep(2000);

  meter.reset();
  const baseline = await measuredVerifications(bench, verifyNumbers.slice(4, 44), 40 * intervalMs);
  await sleep(1000);
  // Every AWS call of a verification's life with no other traffic: start, dispatch, DLR, check.
  const baselineCalls = summarize(meter.calls).byCommand;

  const loadavgAtLoad = loadavg();
  const [bulk, loaded] = await Promise.all([
    bulkAt(bench, bulkRate, seconds * 1000),
    measuredVerifications(bench, verifyNumbers.slice(44), seconds * 1000),
  ]);
  const bulkSubmitted = new Set(bench.carrier.outbox().map((e) => e.to));
  writeFileSync(
    outFile,
    JSON.stringify({
      execution: bench.platform.execution,
      bulkRate,
      seconds,
      intervalMs,
      carrierLatencyMs: CARRIER_LATENCY_MS,
      loadavgAtLoad,
      bulk: {
        offered: bulk.offered,
        accepted: bulk.accepted,
        statuses: bulk.statuses,
        acceptedPerSecond: bulk.acceptedPerSecond,
        drainedMs: bulk.drainedMs,
        submittedByEnd: bulk.numbers.filter((n) => bulkSubmitted.has(n)).length,
      },
      baseline: {
        started: baseline.length,
        callsByCommand: baselineCalls,
        statuses: countBy(baseline, (t) => t.status),
        latencies: latencies(baseline),
        answerTimes: answerTimes(baseline),
      },
      loaded: {
        started: loaded.length,
        statuses: countBy(loaded, (t) => t.status),
        latencies: latencies(loaded),
        answerTimes: answerTimes(loaded),
      },
    }),
  );
} finally {
  await bench.platform.stop();
}
process.exit(0);
