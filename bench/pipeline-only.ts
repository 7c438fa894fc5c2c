/**
 * `npx tsx bench/pipeline-only.ts [--messages N] [--explain]`: the pipeline part of `npm run bench` alone (no
 * bundling, no RESULTS.md): counts per accepted SMS — DynamoDB write requests per command and table,
 * reads, SQS calls, log lines and bytes — and the throughput of this run. Counts do not depend on
 * how busy the machine is; timings do (compare them only as ratios within one run).
 * A separate entry point rather than a flag of run.ts: run.ts bundles every function first.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { outRoot, projectRoot } from "./bundles.ts";
import type { PipelineFigures } from "./run.ts";
import { renderWritesSection } from "./writes-section.ts";

const { values } = parseArgs({
  options: {
    messages: { type: "string", default: "300" },
    latency: { type: "string", default: "50" },
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
if (values.explain) console.log(`\n${renderWritesSection(figures)}`);
process.exit(0);
