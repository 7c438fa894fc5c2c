/**
 * `npx tsx bench/pipeline-only.ts [--messages N] [--workers both|0|1] [--explain] [--cost-md FILE]`:
 * the pipeline part of `npm run bench` alone (no bundling, no RESULTS.md): counts per accepted SMS —
 * DynamoDB write and read requests per command and table, SQS calls, log lines and bytes, DynamoDB
 * capacity as DynamoDB reports it — the throughput of this run, and the cost per 1M SMS those counts
 * model (bench/cost-section.ts; `--cost-md FILE` also writes that section as markdown; `--explain`
 * prints RESULTS.md's writes section with this run's counts). Counts do not depend on how busy the
 * machine is; timings do (compare them only as ratios within one run). `--workers both` (default)
 * measures the functions in-process and then each in its own worker threads (TEXTGATE_LOCAL_WORKERS=0/1),
 * and prints the ratios. AWS calls, and so the cost, are counted in-process only (the SDK meter sees
 * the platform thread only).
 * A separate entry point rather than a flag of run.ts: run.ts bundles every function first.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { outRoot } from "./bundles.ts";
import { costFigures, renderCostSection } from "./cost-section.ts";
import { measurePipeline } from "./pipeline-run.ts";
import type { PipelineFigures } from "./run.ts";
import { renderWritesSection } from "./writes-section.ts";

const { values } = parseArgs({
  options: {
    messages: { type: "string", default: "300" },
    latency: { type: "string", default: "50" },
    workers: { type: "string", default: "both" },
    "cost-md": { type: "string" },
    // Also print RESULTS.md's writes section (what each write buys) with this run's counts.
    explain: { type: "boolean", default: false },
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
  // Older figure files (before reads were broken down) have no readsByTarget.
  for (const [target, count] of Object.entries(figures.calls.readsByTarget ?? {}).sort()) {
    console.log(`    read  ${target.padEnd(36)} ${per(count)}`);
  }
  const consumed = figures.consumed;
  if (consumed) {
    console.log(
      `  DynamoDB capacity as reported: ${per(consumed.wcu)} WRU/SMS (GSIs ${per(consumed.gsiWcu)}), ${per(consumed.rcu)} RRU/SMS (${per(consumed.rcuConsistent)} consistent), ${consumed.failedWrites} failed conditional writes`,
    );
    for (const [target, sums] of Object.entries(consumed.byTarget).sort()) {
      const perRequest = (sums.base / Math.max(1, sums.requests)).toFixed(2);
      console.log(
        `    WRU ${target.padEnd(34)} ${per(sums.requests)} requests, ${per(sums.base)} base (${perRequest} per request) + ${per(sums.gsi)} GSI`,
      );
    }
  }
  const cost = costFigures(figures);
  for (const line of cost.cost.lines)
    console.log(
      `    ${line.item.padEnd(24)} $${line.perMillion.toFixed(2).padStart(6)}  ${line.basis.split(" — ")[0]}`,
    );
  console.log(`  cost per 1M SMS: $${cost.cost.total.toFixed(2)} (goal ≤ $5); levers (not built):`);
  for (const lever of cost.levers)
    console.log(
      `    ${lever.name.padEnd(48)} $${lever.total.toFixed(2).padStart(6)}  saves $${lever.saving.toFixed(2)}`,
    );
  if (values["cost-md"]) {
    writeFileSync(
      values["cost-md"],
      renderCostSection(cost, { date: new Date().toISOString(), messages: figures.accepted }),
    );
  }
  if (values.explain) console.log(`\n${renderWritesSection(figures)}`);
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
