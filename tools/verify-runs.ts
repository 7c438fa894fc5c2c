/**
 * `npm run verify:runs [-- --quick] [-- --only fuzz,load,chaos,smpp]`: the fuzz, load, chaos and
 * SMPP chaos runs one after the other (each starts its own local platform, so never two at once),
 * then one summary line per run: command, duration, verdict. Exits non-zero if any run failed.
 * Full settings take ~12 min on a quiet 2-core machine; `--quick` (smaller runs) ~6 min.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const repoRoot = fileURLToPath(new URL("..", import.meta.url));

interface Run {
  readonly name: string;
  readonly script: string;
  readonly full: readonly string[];
  readonly quick: readonly string[];
}

const RUNS: readonly Run[] = [
  {
    name: "fuzz",
    script: "tools/fuzz.ts",
    full: ["--count", "10000", "--seed", "14"],
    quick: ["--count", "3000", "--seed", "14"],
  },
  {
    name: "load",
    script: "tools/load.ts",
    full: ["--rate", "200", "--seconds", "60"],
    quick: ["--rate", "50", "--seconds", "30"],
  },
  { name: "chaos", script: "tools/chaos.ts", full: ["--messages", "1000"], quick: ["--messages", "500"] },
  {
    name: "smpp",
    script: "tools/chaos.ts",
    full: ["--smpp", "--messages", "400"],
    quick: ["--smpp", "--messages", "200"],
  },
];

/** The tools end with `<tool>: ok` or `<tool>: FAILED — …` (tools/quality/verdict.ts). */
const VERDICT = /^(fuzz|load|chaos|smpp chaos): (ok|FAILED)\b.*$/;

const { values } = parseArgs({
  options: { quick: { type: "boolean", default: false }, only: { type: "string" } },
});
const only = values.only?.split(",").map((name) => name.trim());
const unknown = only?.filter((name) => !RUNS.some((run) => run.name === name)) ?? [];
if (unknown.length > 0) {
  console.error(
    `verify:runs: unknown run ${unknown.join(", ")} (runs: ${RUNS.map((r) => r.name).join(", ")})`,
  );
  process.exit(2);
}

interface Outcome {
  readonly command: string;
  readonly seconds: number;
  readonly exitCode: number | null;
  readonly verdict: string | undefined;
}

/** Runs one tool with its output passed through, and keeps the verdict line it printed. */
function runOne(run: Run): Promise<Outcome> {
  const args = values.quick ? run.quick : run.full;
  const command = `tsx ${run.script} ${args.join(" ")}`;
  console.log(`\n=== verify:runs: ${command}`);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", run.script, ...args], {
      cwd: repoRoot,
      stdio: ["ignore", "pipe", "inherit"],
    });
    let verdict: string | undefined;
    let partial = "";
    child.stdout.on("data", (chunk: Buffer) => {
      process.stdout.write(chunk);
      const lines = (partial + chunk.toString("utf8")).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) if (VERDICT.test(line)) verdict = line;
    });
    child.on("error", reject);
    child.on("close", (exitCode) => {
      if (VERDICT.test(partial)) verdict = partial;
      resolve({ command, seconds: Math.round((performance.now() - started) / 1000), exitCode, verdict });
    });
  });
}

const outcomes: Outcome[] = [];
for (const run of RUNS.filter((r) => !only || only.includes(r.name))) outcomes.push(await runOne(run));

// A run passes only with exit code 0 AND its own "ok" verdict: a tool that died before printing one failed.
const passed = (o: Outcome) => o.exitCode === 0 && o.verdict?.endsWith(": ok") === true;
console.log(`\nverify:runs summary (${values.quick ? "quick" : "full"} settings)`);
for (const o of outcomes) {
  console.log(
    `  ${passed(o) ? "PASS" : "FAIL"}  ${o.command}  ${o.seconds} s  exit ${o.exitCode}  ${o.verdict ?? "(no verdict line)"}`,
  );
}
const failed = outcomes.filter((o) => !passed(o)).length;
console.log(failed === 0 ? "verify:runs: ok" : `verify:runs: FAILED — ${failed} of ${outcomes.length} runs`);
process.exit(failed === 0 ? 0 : 1);
