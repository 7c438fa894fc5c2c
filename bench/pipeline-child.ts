/**
 * One pipeline measurement in its own process (the parent sets LOG_LEVEL=INFO, as deployed): SDK
 * meter installed, local platform up, carrier latency set, a warm-up, then `count` SMS through the
 * HTTP API until the carrier reports them delivered. Function log output is counted, not printed.
 * Usage: tsx bench/pipeline-child.ts <out.json> <count> <carrierLatencyMs>
 */
import { appendFileSync, writeFileSync } from "node:fs";
import { percentile } from "./middleware.ts";
import { countBy, recipients, sendAll, startBenchPlatform, waitForDelivery } from "./pipeline.ts";
import { installSdkMeter, summarize } from "./sdk-meter.ts";

const [outFile = "", countArg = "2000", latencyArg = "50"] = process.argv.slice(2);
const count = Number(countArg);
/** V8's profiler timestamps and process.hrtime share the monotonic clock (µs). */
const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

let logBytes = 0;
let logLines = 0;
/** Log lines that carry a full phone number or a message body: the log rules forbid both. */
const logLeaks: string[] = [];
const FULL_NUMBER = /\+\d{8,15}/;
const BODY_MARKER = "bench message";
const realWrite = process.stdout.write.bind(process.stdout);
/** BENCH_LOG_FILE: also keep the counted log lines there, to see what each SMS logs. */
const logCopy = process.env.BENCH_LOG_FILE;
process.stdout.write = ((chunk: string | Uint8Array) => {
  const text = typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
  logBytes += Buffer.byteLength(text);
  // Lines, not writes: in worker mode a function thread's output arrives in chunks of several lines.
  logLines += text.split("\n").length - 1;
  if (logCopy) appendFileSync(logCopy, text);
  if ((FULL_NUMBER.test(text) || text.includes(BODY_MARKER)) && logLeaks.length < 5)
    logLeaks.push(text.slice(0, 300));
  return true;
}) as typeof process.stdout.write;

const meter = installSdkMeter();
const bench = await startBenchPlatform();
try {
  bench.carrier.faults.latencyMs = Number(latencyArg);
  const warm = recipients(20, 900_000);
  const warmStart = performance.now();
  await sendAll(bench, warm, { concurrency: 10 });
  await waitForDelivery(bench, warm, warmStart, 60_000);
  await new Promise((resolve) => setTimeout(resolve, 500));

  meter.reset();
  logBytes = 0;
  logLines = 0;
  const threadsBefore = bench.platform.functionWorkers?.utilization() ?? {};
  const mainLoopBefore = performance.eventLoopUtilization();
  const cpuBefore = process.cpuUsage();
  const numbers = recipients(count);
  const started = performance.now();
  const windowStartUs = monotonicUs();
  const sent = await sendAll(bench, numbers, { concurrency: 64 });
  const accepted = sent.outcomes.filter((o) => o.status === 202);
  const delivery = await waitForDelivery(
    bench,
    accepted.map((o) => o.to),
    started,
    300_000,
  );
  await new Promise((resolve) => setTimeout(resolve, 1000)); // let the last DLRs finish their writes
  const windowEndUs = monotonicUs();
  const windowMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  const threadsAfter = bench.platform.functionWorkers?.utilization() ?? {};
  // Share of the window each event loop was busy: the platform thread, and each function's workers.
  const busyShare = Object.fromEntries([
    ["platform thread", performance.eventLoopUtilization(mainLoopBefore).utilization],
    ...Object.entries(threadsAfter).map(([id, time]) => [
      id,
      (time.activeMs - (threadsBefore[id]?.activeMs ?? 0)) / windowMs,
    ]),
  ]);
  const latencies = accepted.map((o) => o.ms);
  // Counts belong to the measured messages only: take them before the latency probe below.
  const counted = {
    execution: bench.platform.execution,
    // The SDK meter patches this thread's SDK only: in worker mode the functions' calls are not seen.
    callsMeasured: bench.platform.execution === "in-process",
    busyShare,
    // CPU time of the whole process (every thread) per accepted SMS: what the work costs, however
    // busy the machine is.
    cpuMsPerSms: (cpu.user + cpu.system) / 1000 / Math.max(1, accepted.length),
    calls: summarize(meter.calls),
    injected: meter.injected,
    batchesReceived: meter.batchesReceived,
    messagesReceived: meter.messagesReceived,
    kmsGenerateDataKey: meter.kmsGenerateDataKey,
    kmsDecrypt: meter.kmsDecrypt,
    consumed: structuredClone(meter.consumed),
    logBytes,
    logLines,
    logLeaks: [...logLeaks],
    // The measured window on the clock of a --cpu-prof profile (bench/cpu-profile.ts keeps only these samples).
    windowUs: { start: windowStartUs, end: windowEndUs },
  };
  // One at a time, with the pipeline idle: the closest local stand-in for one Lambda invocation's duration.
  const probe = await sendAll(bench, recipients(30, 800_000), { concurrency: 1 });
  const sequentialSendP50 = percentile(
    probe.outcomes.map((o) => o.ms),
    50,
  );
  writeFileSync(
    outFile,
    JSON.stringify({
      count,
      carrierLatencyMs: Number(latencyArg),
      statuses: countBy(sent.outcomes, (o) => o.status),
      firstError: sent.outcomes.find((o) => o.status !== 202)?.body,
      acceptMs: sent.ms,
      acceptedPerSecond: accepted.length / (sent.ms / 1000),
      sendP50: percentile(latencies, 50),
      sendP99: percentile(latencies, 99),
      sequentialSendP50,
      delivery,
      deliveredPerSecond:
        delivery.delivered / ((Number.isNaN(delivery.deliveredMs) ? 300_000 : delivery.deliveredMs) / 1000),
      accepted: accepted.length,
      ...counted,
    }),
  );
} finally {
  await bench.platform.stop();
  process.stdout.write = realWrite;
}
process.exit(0);
