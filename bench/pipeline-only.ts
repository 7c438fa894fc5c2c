/**
 * `npx tsx bench/pipeline-only.ts [--messages N] [--explain]`: the pipeline part of `npm run bench` alone (no
 * bundling, no RESULTS.md): counts per accepted SMS — DynamoDB write requests per command and table,
 * reads, SQS calls, log lines and bytes, DynamoDB capacity as DynamoDB reports it — the throughput of
 * this run, and the cost per 1M SMS those counts model (bench/cost-section.ts; `--cost-md FILE` also
 * writes that section as markdown). Counts do not depend on
 * how busy the machine is; timings do (compare them only as ratios within one run).
 * A separate entry point rather than a flag of run.ts: run.ts bundles every function first.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { outRoot, projectRoot } from "./bundles.ts";
import { costFigures, renderCostSection } from "./cost-section.ts";
import type { PipelineFigures } from "./run.ts";
import { renderWritesSection } from "./writes-section.ts";

const { values } = parseArgs({
  options: {
    messages: { type: "string", default: "300" },
    latency: { type: "string", default: "50" },
    "cost-md": { type: "string" },
    // Also print RESULTS.md's writes section (what each write buys) with this run's counts.
    explain: { type: "boolean", default: false },
  },
});
mkdirSync(outRoot, { recursive: true });
const file = join(outRoot, "pipeline-only.json");
const child = spawnSync(
  process.execPath,
  [
    "--import",
    "tsx",
    join(projectRoot, "bench", "pipeline-child.ts"),
    file,
    String(values.messages),
    String(values.latency),
  ],
  { cwd: projectRoot, stdio: ["ignore", "ignore", "inherit"], env: { ...process.env, LOG_LEVEL: "INFO" } },
);
if (child.status !== 0) throw new Error("pipeline measurement failed");
const figures = JSON.parse(readFileSync(file, "utf8")) as PipelineFigures;
const per = (n: number) => (n / Math.max(1, figures.accepted)).toFixed(2);
console.log(
  `${new Date().toISOString()}: ${figures.accepted}/${figures.count} accepted, ${figures.delivery.delivered} delivered (${figures.acceptedPerSecond.toFixed(0)} accepted/s, ${figures.deliveredPerSecond.toFixed(0)} delivered/s on this machine as loaded now)`,
);
console.log(
  `per SMS: DynamoDB writes ${per(figures.calls.dynamoWrites)} (WRU ${per(figures.calls.wru)}), reads ${per(figures.calls.dynamoReads)} (RRU ${per(figures.calls.rru)}), SQS ${per(figures.calls.sqsRequests)}, log ${per(figures.logLines)} lines / ${per(figures.logBytes)} bytes, PII leaks ${figures.logLeaks.length}`,
);
for (const [target, count] of Object.entries(figures.calls.writesByTarget).sort()) {
  console.log(`  write ${target.padEnd(36)} ${per(count)}`);
}
// Older figure files (before reads were broken down) have no readsByTarget.
for (const [target, count] of Object.entries(figures.calls.readsByTarget ?? {}).sort()) {
  console.log(`  read  ${target.padEnd(36)} ${per(count)}`);
}
const consumed = figures.consumed;
if (consumed) {
  console.log(
    `DynamoDB capacity as reported: ${per(consumed.wcu)} WRU/SMS (GSIs ${per(consumed.gsiWcu)}), ${per(consumed.rcu)} RRU/SMS (${per(consumed.rcuConsistent)} consistent), ${consumed.failedWrites} failed conditional writes`,
  );
  for (const [target, sums] of Object.entries(consumed.byTarget).sort()) {
    const perRequest = (sums.base / Math.max(1, sums.requests)).toFixed(2);
    console.log(
      `  WRU ${target.padEnd(34)} ${per(sums.requests)} requests, ${per(sums.base)} base (${perRequest} per request) + ${per(sums.gsi)} GSI`,
    );
  }
}
const cost = costFigures(figures);
for (const line of cost.cost.lines)
  console.log(
    `  ${line.item.padEnd(24)} $${line.perMillion.toFixed(2).padStart(6)}  ${line.basis.split(" — ")[0]}`,
  );
console.log(`cost per 1M SMS: $${cost.cost.total.toFixed(2)} (goal ≤ $5); levers (not built):`);
for (const lever of cost.levers)
  console.log(
    `  ${lever.name.padEnd(48)} $${lever.total.toFixed(2).padStart(6)}  saves $${lever.saving.toFixed(2)}`,
  );
if (values["cost-md"]) {
  writeFileSync(
    values["cost-md"],
    renderCostSection(cost, { date: new Date().toISOString(), messages: figures.accepted }),
  );
}
if (values.explain) console.log(`\n${renderWritesSection(figures)}`);
process.exit(0);
