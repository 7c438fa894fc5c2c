/**
 * `npm run bench [-- --quick] [-- --only bundles|otp|profile|cost]`: prints figures and writes
 * bench/RESULTS.md. Never asserts: the goals are shown next to the figures, and whatever was
 * measured is reported as measured. `--only <part>` measures that part alone and replaces just its
 * section of RESULTS.md, leaving the other sections' figures and dates: `bundles` (bundles and cold
 * init, about a minute), `otp` (OTP first under bulk: `--bulk-rate`, `--otp-seconds`), `profile`
 * (CPU profile of the pipeline over `--messages` SMS), `cost` (the cost model from a pipeline run of
 * `--messages` SMS, default 500, or from `--pipeline-file bench/.out/pipeline-only-0.json`).
 * `--workers 1` (or TEXTGATE_LOCAL_WORKERS=1) also measures the pipeline, and measures the OTP part,
 * with each function in its own worker threads.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { catalog } from "../lib/catalog/index.ts";
import { measureAlternatives } from "./bundle-alternatives.ts";
import {
  type BundleResult,
  bundleFor,
  coldInitAll,
  helloWorldBundle,
  outRoot,
  projectRoot,
  UNUSED_ON_LAMBDA,
} from "./bundles.ts";
import { COST_HEADING, costFigures, renderCostSection } from "./cost-section.ts";
import { profilePipeline } from "./cpu-profile.ts";
import { middlewareOverhead } from "./middleware.ts";
import { otpFirst } from "./otp-first.ts";
import { measurePipeline } from "./pipeline-run.ts";
import { renderBundleSection, renderResults, replaceBundleSection } from "./results.ts";
import { renderCpuProfileSection, renderOtpFirstSection, replaceSection } from "./results-sections.ts";

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    messages: { type: "string" },
    only: { type: "string" },
    /** With --only cost: model a pipeline measurement already on disk (pipeline-only.ts writes one). */
    "pipeline-file": { type: "string" },
    "bulk-rate": { type: "string", default: "200" },
    "otp-seconds": { type: "string" },
    workers: { type: "string" },
  },
});
const PARTS = ["bundles", "otp", "profile", "cost"] as const;
if (values.only !== undefined && !PARTS.includes(values.only as (typeof PARTS)[number]))
  throw new Error(`--only accepts: ${PARTS.join(", ")}`);
const onlyBundles = values.only === "bundles";
const quick = values.quick ?? false;
const coldRuns = quick ? 3 : 10;
const messages = Number(values.messages ?? (quick ? 300 : values.only === "cost" ? 500 : 2000));
const bulkRate = Number(values["bulk-rate"]);
const otpSeconds = Number(values["otp-seconds"] ?? (quick ? 10 : 20));
const kb = (bytes: number) => (bytes / 1024).toFixed(0);
/**
 * --workers 1 (or TEXTGATE_LOCAL_WORKERS=1): the OTP part and a second pipeline run measure the
 * functions each in its own worker threads. AWS call counts and the cost model always come from the
 * in-process run (the SDK meter sees the platform thread only); the CPU profile is in-process too.
 */
const workers = (values.workers ?? process.env.TEXTGATE_LOCAL_WORKERS ?? "0") === "1";
const execution = workers ? "workers" : "in-process";

const date = new Date().toISOString();
const machine = `${cpus().length} × ${cpus()[0]?.model ?? "?"}, node ${process.version}, ${process.platform}/${process.arch}`;
const resultsFile = join(projectRoot, "bench", "RESULTS.md");
console.log(
  `bench: ${values.only ? `--only ${values.only}` : quick ? "quick" : "full"} run on ${cpus().length} × ${cpus()[0]?.model ?? "?"}, node ${process.version}; functions ${execution} (TEXTGATE_LOCAL_WORKERS=${workers ? 1 : 0})`,
);

/** Issue 14's OTP-first and CPU-profile parts: each in its own child process, each its own section. */
function otpAndProfileSections(part: "otp" | "profile" | "both"): string[] {
  const sections: string[] = [];
  if (part !== "profile") {
    const loadavgStart = loadavg();
    const otp = otpFirst({ bulkRate, seconds: otpSeconds, workers });
    console.log(
      `OTP first [functions ${otp.execution}]: bulk ${otp.bulk.acceptedPerSecond.toFixed(0)}/s accepted (target ${bulkRate}); POST → OTP at the carrier p50/p95/p99 alone ${otp.baseline.toCarrier.p50.toFixed(0)}/${otp.baseline.toCarrier.p95.toFixed(0)}/${otp.baseline.toCarrier.p99.toFixed(0)} ms, under bulk ${otp.loaded.toCarrier.p50.toFixed(0)}/${otp.loaded.toCarrier.p95.toFixed(0)}/${otp.loaded.toCarrier.p99.toFixed(0)} ms`,
    );
    sections.push(renderOtpFirstSection(otp, { date, machine, loadavgStart, loadavgEnd: loadavg() }));
  }
  if (part !== "otp") {
    const loadavgStart = loadavg();
    const profiled = profilePipeline(messages);
    const perSms = (us: number) => (us / Math.max(1, profiled.pipeline.accepted) / 1000).toFixed(2);
    console.log(
      `CPU profile (${profiled.profileFile}): main thread busy ${perSms(profiled.summary.busyUs)} ms per accepted SMS; top: ${profiled.summary.byPackage
        .slice(0, 5)
        .map((p) => `${p.name} ${perSms(p.selfUs)}`)
        .join(", ")}`,
    );
    sections.push(renderCpuProfileSection(profiled, { date, machine, loadavgStart, loadavgEnd: loadavg() }));
  }
  return sections;
}

if (values.only === "otp" || values.only === "profile") {
  const sections = otpAndProfileSections(values.only);
  writeFileSync(
    resultsFile,
    sections.reduce(
      (results, section) => replaceSection(results, section),
      readFileSync(resultsFile, "utf8"),
    ),
  );
  console.log(`wrote the ${values.only} section of bench/RESULTS.md`);
  process.exit(0);
}

// Function declarations below (measurePipelineInProcess, costSectionFor) are hoisted.
if (values.only === "cost") {
  const measured = values["pipeline-file"]
    ? (JSON.parse(readFileSync(values["pipeline-file"], "utf8")) as PipelineFigures)
    : measurePipelineInProcess();
  // A worker-mode file counts the platform thread's AWS calls only: pricing it would undercount.
  if (measured.callsMeasured === false)
    throw new Error(
      "--pipeline-file: AWS calls were not counted in that run (worker mode); use an in-process run",
    );
  const section = costSectionFor(measured);
  writeFileSync(resultsFile, replaceSection(readFileSync(resultsFile, "utf8"), section));
  console.log(`wrote the "${COST_HEADING.slice(3)}" section of bench/RESULTS.md`);
  process.exit(0);
}

// 1. Bundles and cold init (all spawns interleaved with the hello-world baseline).
const hello = await helloWorldBundle();
const built: BundleResult[] = [];
for (const fn of catalog.functions) {
  try {
    built.push(await bundleFor(fn));
  } catch (error) {
    console.log(`${fn.id.padEnd(14)} bundle failed: ${(error as Error).message.split("\n")[0]}`);
  }
}
const [helloInit = { processMs: Number.NaN, importMs: Number.NaN }, ...inits] = coldInitAll(
  [hello, ...built],
  coldRuns,
);
console.log(
  `hello-world: ${hello.mainBytes} bytes, cold process ${helloInit.processMs.toFixed(0)} ms (import ${helloInit.importMs.toFixed(1)} ms)`,
);
const bundles = built.map((bundle, i) => ({
  bundle,
  init: inits[i] ?? { processMs: Number.NaN, importMs: Number.NaN },
}));
for (const { bundle, init } of bundles) {
  console.log(
    `${bundle.id.padEnd(14)} ${kb(bundle.mainBytes).padStart(5)} KB (+${kb(bundle.lazyBytes)} lazy${bundle.encryptionSdk ? `, Encryption SDK ${kb(bundle.encryptionSdk.bytes)}` : ""})  cold ${init.processMs.toFixed(0)} ms = ${(init.processMs / helloInit.processMs).toFixed(2)}× hello  (import ${init.importMs.toFixed(0)} ms${init.firstEncryptMs === undefined ? "" : `, first encrypt ${init.firstEncryptMs.toFixed(0)} ms`})${init.error ? `  import error: ${init.error}` : ""}`,
  );
}
const alternatives = await measureAlternatives();
console.log(
  `what stands in the way: libphonenumber-js max/mobile/min ${kb(alternatives.phoneBytes.max)}/${kb(alternatives.phoneBytes.mobile)}/${kb(alternatives.phoneBytes.min)} KB (mobile changes ${alternatives.phoneVerdicts.mobile.changed} of ${alternatives.phoneVerdicts.mobile.sampled} sampled verdicts); zod vs zod/mini on send-like schemas ${kb(alternatives.zod.classic)} vs ${kb(alternatives.zod.mini)} KB`,
);

/** What both the bundle section alone (--only bundles) and the full results render from. */
const bundleSectionInput = {
  date,
  machine,
  quick,
  hello: { bundle: hello, init: helloInit },
  bundles,
  unusedPattern: UNUSED_ON_LAMBDA,
  alternatives,
};

if (onlyBundles) {
  const section = renderBundleSection(bundleSectionInput);
  writeFileSync(resultsFile, replaceBundleSection(readFileSync(resultsFile, "utf8"), section));
  console.log("wrote the bundle section of bench/RESULTS.md");
  process.exit(0);
}

// 2. Middleware chain.
const overhead = middlewareOverhead(quick ? 5000 : 20000);
console.log(
  `middleware chain overhead: p50 ${(overhead.overheadP50 * 1000).toFixed(0)} µs, p99 ${(overhead.overheadP99 * 1000).toFixed(0)} µs`,
);

// 3. Pipeline throughput and AWS calls per SMS (own process: function logs at INFO are counted, not printed).
/**
 * One pipeline run (bench/pipeline-run.ts), printed. AWS call counts come only from the in-process
 * run: in worker mode the SDK meter sees the platform thread only.
 */
function runPipeline(inWorkers: boolean): PipelineFigures {
  const figures = measurePipeline({
    file: join(outRoot, inWorkers ? "pipeline-workers.json" : "pipeline.json"),
    messages,
    carrierLatencyMs: 50,
    workers: inWorkers,
  });
  console.log(
    `pipeline [functions ${figures.execution}]: ${figures.accepted}/${messages} accepted at ${figures.acceptedPerSecond.toFixed(0)}/s (p50 ${figures.sendP50.toFixed(0)} ms, p99 ${figures.sendP99.toFixed(0)} ms), ${figures.delivery.delivered} delivered at ${figures.deliveredPerSecond.toFixed(0)}/s; CPU ${figures.cpuMsPerSms.toFixed(1)} ms per SMS`,
  );
  if (figures.callsMeasured) {
    const per = (n: number) => n / Math.max(1, figures.accepted);
    console.log(
      `AWS calls per SMS: SQS ${per(figures.calls.sqsRequests).toFixed(2)} (SendMessage ${per(figures.calls.sqsSends).toFixed(2)}), DynamoDB writes ${per(figures.calls.dynamoWrites).toFixed(2)} reads ${per(figures.calls.dynamoReads).toFixed(2)}, KMS ${(per(figures.kmsGenerateDataKey + figures.kmsDecrypt) * 1000).toFixed(0)} per 1,000`,
    );
  }
  return figures;
}

/** The in-process run: the one whose AWS calls are counted, so the one the cost model prices. */
function measurePipelineInProcess(): PipelineFigures {
  return runPipeline(false);
}

// 4. Cost model (bench/cost-inputs.ts: what one SMS makes AWS do; delivery events on SNS → SQS).
function costSectionFor(figures: PipelineFigures): string {
  const cost = costFigures(figures);
  for (const line of cost.cost.lines)
    console.log(`  ${line.item.padEnd(26)} $${line.perMillion.toFixed(2).padStart(7)}  (${line.basis})`);
  console.log(
    `cost per 1M SMS: $${cost.cost.total.toFixed(2)} (goal ≤ $5, carrier fees excluded); with a REST DLR callback per SMS: $${cost.viaRestCallbacks.toFixed(2)}`,
  );
  for (const lever of cost.levers)
    console.log(
      `  lever: ${lever.name.padEnd(48)} $${lever.total.toFixed(2).padStart(6)} (saves $${lever.saving.toFixed(2)})`,
    );
  return renderCostSection(cost, { date, messages: figures.accepted });
}

const pipeline = measurePipelineInProcess();
const pipelineInWorkers = workers ? runPipeline(true) : undefined;
const results = renderResults({
  ...bundleSectionInput,
  overhead,
  pipeline,
  ...(pipelineInWorkers ? { pipelineInWorkers } : {}),
  costSection: costSectionFor(pipeline),
});
writeFileSync(
  resultsFile,
  otpAndProfileSections("both").reduce((text, section) => replaceSection(text, section), results),
);
console.log("wrote bench/RESULTS.md");
process.exit(0);

export interface PipelineFigures {
  count: number;
  carrierLatencyMs: number;
  statuses: Record<string, number>;
  firstError?: string;
  acceptMs: number;
  acceptedPerSecond: number;
  sendP50: number;
  sendP99: number;
  sequentialSendP50: number;
  delivery: { submitted: number; delivered: number; submittedMs: number; deliveredMs: number };
  deliveredPerSecond: number;
  accepted: number;
  calls: import("./sdk-meter.ts").CallSummary;
  injected: number;
  batchesReceived: number;
  messagesReceived: number;
  kmsGenerateDataKey: number;
  kmsDecrypt: number;
  /** Capacity units DynamoDB reported (GSI writes and item sizes included); absent in older files. */
  consumed?: import("./sdk-meter.ts").ConsumedCapacity;
  logBytes: number;
  logLines: number;
  logLeaks: string[];
  /** Where the functions ran (TEXTGATE_LOCAL_WORKERS): all on the platform thread, or each in its own workers. */
  execution: "in-process" | "workers";
  /** False in worker mode: the SDK meter sees the platform thread's calls only (calls, KMS, WRU are not per SMS then). */
  callsMeasured: boolean;
  /** Share of the measured window each event loop was busy: "platform thread" and each function id (workers). */
  busyShare: Record<string, number>;
  /** CPU time of the whole process (all threads) per accepted SMS, in ms. */
  cpuMsPerSms: number;
  /** Measured window on the monotonic clock (µs), to cut a --cpu-prof profile to it. */
  windowUs?: { start: number; end: number };
}
