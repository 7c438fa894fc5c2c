/** bench/RESULTS.md from the figures of one `npm run bench`. */
import type { Alternatives } from "./bundle-alternatives.ts";
import type { BundleResult, ColdInit } from "./bundles.ts";
import type { MiddlewareOverhead } from "./middleware.ts";
import type { PipelineFigures } from "./run.ts";
import { renderWritesSection } from "./writes-section.ts";

export interface ResultsInput {
  readonly date: string;
  readonly machine: string;
  readonly quick: boolean;
  readonly hello: { bundle: BundleResult; init: ColdInit };
  readonly bundles: readonly { bundle: BundleResult; init: ColdInit }[];
  readonly unusedPattern: RegExp;
  readonly alternatives: Alternatives;
  readonly overhead: MiddlewareOverhead;
  readonly pipeline: PipelineFigures;
  /** The same pipeline with each function in its own worker threads (`--workers 1`), for throughput. */
  readonly pipelineInWorkers?: PipelineFigures;
  /** The "Cost per 1M SMS" section (bench/cost-section.ts). */
  readonly costSection: string;
}

/** Issue 14's size goals for the hot functions (the others have none). */
const SIZE_GOALS_KB: Readonly<Record<string, number>> = {
  send: 350,
  verify: 250,
  dispatch: 300,
  authorizer: 250,
};
const kb = (bytes: number) => (bytes / 1024).toFixed(0);
const verdict = (ok: boolean) => (ok ? "meets goal" : "**misses goal**");

function bundleRows(input: BundleSectionInput): string[] {
  return input.bundles.map(({ bundle, init }) => {
    const goal = SIZE_GOALS_KB[bundle.id];
    const top = [...bundle.byPackage]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 4)
      .map(([pkg, bytes]) => `${pkg} ${kb(bytes)}`)
      .join(", ");
    const unused = [...bundle.byPackage]
      .filter(([pkg]) => input.unusedPattern.test(pkg))
      .reduce((sum, [, b]) => sum + b, 0);
    const ratio = init.processMs / input.hello.init.processMs;
    const lazy = `${kb(bundle.lazyBytes)}${bundle.encryptionSdk ? ` (SDK ${kb(bundle.encryptionSdk.bytes)})` : ""}`;
    const firstEncrypt = init.firstEncryptMs === undefined ? "–" : init.firstEncryptMs.toFixed(0);
    return `| ${bundle.id} | ${kb(bundle.mainBytes)} | ${goal ? `≤ ${goal} (${verdict(bundle.mainBytes / 1024 <= goal)})` : "–"} | ${lazy} | ${kb(unused)} | ${init.error ? `import failed: ${init.error}` : `${init.processMs.toFixed(0)} / ${init.importMs.toFixed(0)}`} | ${Number.isNaN(ratio) ? "–" : `${ratio.toFixed(2)}× (${verdict(ratio <= 1.5)})`} | ${firstEncrypt} | ${top} |`;
  });
}

/** Throughput rows of the worker-mode run, each with its ratio to the in-process run of the same bench. */
function workerRows(w: PipelineFigures, p: PipelineFigures): string {
  const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
  return `| *workers*: accepted per second | ${w.acceptedPerSecond.toFixed(0)} (${ratio(w.acceptedPerSecond, p.acceptedPerSecond)}) | ≥ 1,000 on 2 cores: ${verdict(w.acceptedPerSecond >= 1000)} |
| *workers*: send latency under load p50 / p99 | ${w.sendP50.toFixed(0)} / ${w.sendP99.toFixed(0)} ms | |
| *workers*: delivered per second | ${w.deliveredPerSecond.toFixed(0)} (${ratio(w.deliveredPerSecond, p.deliveredPerSecond)}) | ≥ 500 on 2 cores: ${verdict(w.deliveredPerSecond >= 500)} |
| *workers*: CPU per SMS | ${w.cpuMsPerSms.toFixed(1)} ms (${ratio(w.cpuMsPerSms, p.cpuMsPerSms)}) | |
`;
}

export type BundleSectionInput = Pick<
  ResultsInput,
  "date" | "machine" | "quick" | "hello" | "bundles" | "unusedPattern" | "alternatives"
>;

function standingInTheWay(input: BundleSectionInput): string {
  const { phoneBytes, phoneVerdicts, zod } = input.alternatives;
  const changes = (set: "min" | "mobile") =>
    Object.entries(phoneVerdicts[set].byType)
      .sort((a, b) => b[1] - a[1])
      .map(([change, count]) => `${change} ${count}`)
      .join(", ");
  return `What stands in the way (measured by bench/bundle-alternatives.ts in this run, nothing of it shipped):
- **libphonenumber-js metadata** (in every function that parses numbers; parsePhone + isValid + getType
  minified): max ${kb(phoneBytes.max)} KB (shipped), mobile ${kb(phoneBytes.mobile)} KB, min ${kb(phoneBytes.min)} KB. Over ${phoneVerdicts.mobile.sampled}
  sampled numbers near each country's mobile example, "mobile" changes ${phoneVerdicts.mobile.changed} accept/refuse verdicts
  (${changes("mobile") || "none"}) and the refusal reason of ${phoneVerdicts.mobile.reasonChanged} more (e.g. fixed-line numbers
  become "not a valid number"); "min" changes ${phoneVerdicts.min.changed} (${changes("min") || "none"}): it cannot tell
  number types, so fixed-line, premium-rate and toll-free numbers would be accepted. Both are behaviour
  changes that need a product decision, not a bundle tweak.
- **zod/mini**: the same send-like request/response schemas minify to ${kb(zod.classic)} KB with zod (classic) and
  ${kb(zod.mini)} KB with zod/mini; z.toJSONSchema gives ${zod.jsonSchemaSame ? "the same" : "a DIFFERENT"} JSON Schema for both flavours, so
  the OpenAPI document could stay generated from the same schemas. It only pays once no module of a
  bundle imports classic zod: every schema (functions/*/schemas.ts, shared/http.ts, the config parser,
  stores' item parsers, .meta() calls) would move to the functional API in one change.
`;
}

/** The "Bundles and cold init" section alone (`npm run bench -- --only bundles` replaces just this one). */
export function renderBundleSection(input: BundleSectionInput): string {
  return `## Bundles and cold init

Measured on ${input.date} (${input.machine}${input.quick ? ", quick run" : ""}).
Built like the CDK stack builds them (lib/bundling.ts: esbuild, ESM, node22, minified, AWS SDK
bundled, code splitting). "main KB" = index.mjs and the chunks it imports statically: what every
cold start reads and evaluates. "lazy KB" = files only an \`import()\` reaches, read on first use;
"SDK" = the part of them the Encryption SDK's import() reads on the first encrypt/decrypt (on a cold
container that is the data-key cache miss). Cold init = median wall time of a fresh \`node\` process
importing index.mjs (N=${input.quick ? 3 : 10}) / time of the import alone; ratio against a hello-world bundle built the
same way (${input.hello.bundle.mainBytes} bytes, ${input.hello.init.processMs.toFixed(0)} ms / ${input.hello.init.importMs.toFixed(1)} ms). "First encrypt" = median time, in a fresh
process right after that import, of the SDK file's import() plus one encrypt with a raw AES
keyring (a KMS GenerateDataKey round trip comes on top on AWS). "Unused SDK credential providers" =
bytes of @aws-sdk credential providers other than env (Lambda supplies credentials in env vars),
token providers, STS/SSO clients. Largest packages: in the main files.

| function | main KB | goal KB | lazy KB | unused cred. providers KB | cold process / import ms | cold ratio (goal ≤ 1.5×) | first encrypt ms | largest packages (KB) |
| --- | --- | --- | --- | --- | --- | --- | --- | --- |
${bundleRows(input).join("\n")}

${standingInTheWay(input)}`;
}

/** Puts a freshly rendered bundle section in place of the one in an existing RESULTS.md. */
export function replaceBundleSection(results: string, section: string): string {
  const start = results.indexOf("## Bundles and cold init");
  const end = results.indexOf("\n## ", start + 1);
  if (start < 0 || end < 0) throw new Error("RESULTS.md has no bundle section to replace");
  return `${results.slice(0, start)}${section}${results.slice(end)}`;
}

export function renderResults(input: ResultsInput): string {
  const p = input.pipeline;
  const per = (n: number) => n / Math.max(1, p.accepted);
  const kmsPer1000 = per(p.kmsGenerateDataKey + p.kmsDecrypt) * 1000;
  const calls = Object.entries(p.calls.byCommand)
    .sort((a, b) => b[1] - a[1])
    .map(([name, n]) => `${name} ${per(n).toFixed(2)}`)
    .join(", ");
  return `# Benchmark results

Generated by \`npm run bench${input.quick ? " -- --quick" : ""}\` on ${input.date}.
Machine: ${input.machine}. Figures, not assertions: the machine may be shared (CI, other work), so
times vary between runs; sizes and call counts do not.

${renderBundleSection(input)}
## Middleware chain (warm)

httpHandler with a trivial route vs the same parse + route call without the chain, ${input.overhead.runs} requests each,
logging at INFO as deployed (output discarded).

| | p50 | p99 |
| --- | --- | --- |
| through the chain | ${(input.overhead.chainP50 * 1000).toFixed(1)} µs | ${(input.overhead.chainP99 * 1000).toFixed(1)} µs |
| direct | ${(input.overhead.directP50 * 1000).toFixed(1)} µs | ${(input.overhead.directP99 * 1000).toFixed(1)} µs |
| **overhead** | **${(input.overhead.overheadP50 * 1000).toFixed(1)} µs** | **${(input.overhead.overheadP99 * 1000).toFixed(1)} µs** (goal ≤ 1 ms p99: ${verdict(input.overhead.overheadP99 <= 1)}) |

## Local pipeline throughput

${p.count} SMS through the local platform's HTTP API (64 concurrent clients, throttles raised),
carrier simulator latency ${p.carrierLatencyMs} ms, until the simulator reports each one delivered. Everything
(emulators, API, functions, pollers, carrier) shares this one machine.

| | figure | goal |
| --- | --- | --- |
| accepted (202) | ${p.accepted} of ${p.count} ${JSON.stringify(p.statuses)} | |
| accepted per second | ${p.acceptedPerSecond.toFixed(0)} | ≥ 1,000 on 2 cores: ${verdict(p.acceptedPerSecond >= 1000)} |
| send latency under load p50 / p99 | ${p.sendP50.toFixed(0)} / ${p.sendP99.toFixed(0)} ms | |
| send latency, one at a time, p50 | ${p.sequentialSendP50.toFixed(0)} ms | |
| delivered | ${p.delivery.delivered} in ${(p.delivery.deliveredMs / 1000).toFixed(1)} s | |
| delivered per second | ${p.deliveredPerSecond.toFixed(0)} | ≥ 500 on 2 cores: ${verdict(p.deliveredPerSecond >= 500)} |
| CPU per SMS (all threads of the process) | ${p.cpuMsPerSms.toFixed(1)} ms | |
${input.pipelineInWorkers ? workerRows(input.pipelineInWorkers, p) : ""}
Functions ran in-process above (TEXTGATE_LOCAL_WORKERS=0)${input.pipelineInWorkers ? "; the rows marked *workers* are a second run with each function in its own worker threads (TEXTGATE_LOCAL_WORKERS=1), ratios to the in-process run" : ""}.

## AWS calls per SMS

Counted in-process (every SDK client's send; KMS = data-key wraps/unwraps after the Encryption SDK
cache) over the ${p.accepted} SMS above. SQS includes the local poller's receives/deletes (on AWS the
event-source mapping makes the same kind of calls).

| | per SMS | goal |
| --- | --- | --- |
| SQS requests | ${per(p.calls.sqsRequests).toFixed(2)} (SendMessage ${per(p.calls.sqsSends).toFixed(2)}) | ≤ 1.2: ${verdict(per(p.calls.sqsRequests) <= 1.2)} |
| DynamoDB writes | ${per(p.calls.dynamoWrites).toFixed(2)} (${per(p.calls.wru).toFixed(2)} WRU) | ≤ 2: ${verdict(per(p.calls.dynamoWrites) <= 2)} |
| DynamoDB reads | ${per(p.calls.dynamoReads).toFixed(2)} (${per(p.calls.rru).toFixed(2)} RRU) | |
| KMS | ${kmsPer1000.toFixed(1)} per 1,000 (GenerateDataKey ${p.kmsGenerateDataKey}, Decrypt ${p.kmsDecrypt}) | ≤ 1 per 1,000: ${verdict(kmsPer1000 <= 1)} |
| log bytes | ${per(p.logBytes).toFixed(0)} (${per(p.logLines).toFixed(1)} lines) | |
| log lines with a full phone number or a message body | ${p.logLeaks.length}${p.logLeaks.length ? ` (first: \`${p.logLeaks[0]?.replaceAll("`", "'").replaceAll("|", "/").slice(0, 160)}\`)` : ""} | 0 |
| consumer batches | ${p.batchesReceived} for ${p.messagesReceived} messages | |
| DynamoDB capacity as DynamoDB reports it | ${p.consumed ? `${per(p.consumed.wcu).toFixed(2)} WRU (GSIs ${per(p.consumed.gsiWcu).toFixed(2)}), ${per(p.consumed.rcu).toFixed(2)} RRU, ${p.consumed.failedWrites} failed conditional writes` : "not measured"} | |

By command: ${calls}.

${renderWritesSection(p)}
${input.costSection}`;
}
