/**
 * `npx tsx bench/pipeline-only.ts [--messages N] [--workers both|0|1]`: the pipeline part of
 * `npm run bench` alone (no bundling, no RESULTS.md): counts per accepted SMS — DynamoDB write
 * requests per command and table, reads, SQS calls, log lines and bytes — and the throughput of this
 * run. Counts do not depend on how busy the machine is; timings do (compare them only as ratios
 * within one run). `--workers both` (default) measures the functions in-process and then each in its
 * own worker threads (TEXTGATE_LOCAL_WORKERS=0/1), and prints the ratios.
 * A separate entry point rather than a flag of run.ts: run.ts bundles every function first.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { outRoot } from "./bundles.ts";
import { measurePipeline } from "./pipeline-run.ts";
import type { PipelineFigures } from "./run.ts";

const { values } = parseArgs({
  options: {
    messages: { type: "string", default: "300" },
    latency: { type: "string", default: "50" },
    workers: { type: "string", default: "both" },
  },
});
const modes = { both: ["0", "1"], "0": ["0"], "1": ["1"] }[values.workers];
if (!modes) throw new Error("--workers accepts both, 0 or 1");
mkdirSync(outRoot, { recursive: true });

const measure = (workers: string): PipelineFigures =>
  measurePipeline({
    file: join(outRoot, `pipeline-only-${workers}.json`),
    messages: Number(values.messages),
    carrierLatencyMs: Number(values.latency),
    workers: workers === "1",
  });

function report(figures: PipelineFigures): void {
  const per = (n: number) => (n / Math.max(1, figures.accepted)).toFixed(2);
  const busy = Object.entries(figures.busyShare)
    .filter(([, share]) => share >= 0.01)
    .map(([id, share]) => `${id} ${(share * 100).toFixed(0)}%`)
    .join(", ");
  console.log(
    `${new Date().toISOString()} [functions ${figures.execution}]: ${figures.accepted}/${figures.count} accepted, ${figures.delivery.delivered} delivered (${figures.acceptedPerSecond.toFixed(0)} accepted/s, ${figures.deliveredPerSecond.toFixed(0)} delivered/s on this machine as loaded now; send p50/p99 ${figures.sendP50.toFixed(0)}/${figures.sendP99.toFixed(0)} ms)`,
  );
  console.log(
    `  CPU ${figures.cpuMsPerSms.toFixed(1)} ms per SMS (all threads); event loops busy: ${busy}; log ${per(figures.logLines)} lines / ${per(figures.logBytes)} bytes per SMS, PII leaks ${figures.logLeaks.length}`,
  );
  if (!figures.callsMeasured) {
    console.log("  AWS calls not counted in worker mode (the meter sees the platform thread only)");
    return;
  }
  console.log(
    `  per SMS: DynamoDB writes ${per(figures.calls.dynamoWrites)} (WRU ${per(figures.calls.wru)}), reads ${per(figures.calls.dynamoReads)} (RRU ${per(figures.calls.rru)}), SQS ${per(figures.calls.sqsRequests)}`,
  );
  for (const [target, count] of Object.entries(figures.calls.writesByTarget).sort()) {
    console.log(`    write ${target.padEnd(36)} ${per(count)}`);
  }
}

const measured = modes.map((workers) => {
  const figures = measure(workers);
  report(figures);
  return figures;
});
const [inProcess, workers] = measured;
if (inProcess && workers) {
  const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
  console.log(
    `workers / in-process: accepted/s ${ratio(workers.acceptedPerSecond, inProcess.acceptedPerSecond)}, delivered/s ${ratio(workers.deliveredPerSecond, inProcess.deliveredPerSecond)}, send p99 ${ratio(workers.sendP99, inProcess.sendP99)}, CPU per SMS ${ratio(workers.cpuMsPerSms, inProcess.cpuMsPerSms)}`,
  );
}
process.exit(0);
