/** RESULTS.md sections for issue 14's "OTP first" and "hot path CPU", and in-place section replacement. */
import type { CpuProfileFigures } from "./cpu-profile.ts";
import type { OtpFirstFigures, Percentiles } from "./otp-first.ts";

export const OTP_FIRST_HEADING = "## OTP first under bulk load";
export const CPU_PROFILE_HEADING = "## Hot path CPU per accepted SMS";

/** When and where: the load average says how shared the machine was while measuring. */
export interface RunContext {
  readonly date: string;
  readonly machine: string;
  readonly loadavgStart: readonly number[];
  readonly loadavgEnd: readonly number[];
}

const OTP_GOAL_P99_MS = 1000;
const ms = (value: number) =>
  Number.isNaN(value) ? "–" : value === Number.POSITIVE_INFINITY ? "never" : `${value.toFixed(0)} ms`;
const ratio = (loaded: number, alone: number) =>
  loaded === Number.POSITIVE_INFINITY
    ? "∞"
    : Number.isFinite(loaded / alone)
      ? `${(loaded / alone).toFixed(1)}×`
      : "–";
const load = (values: readonly number[]) => values.map((v) => v.toFixed(2)).join(" / ");
const row = (label: string, loaded: Percentiles, alone: Percentiles) =>
  `| ${label} | ${ms(alone.p50)} / ${ms(alone.p95)} / ${ms(alone.p99)} | ${ms(loaded.p50)} / ${ms(loaded.p95)} / ${ms(loaded.p99)} (max ${ms(loaded.max)}) | ${ratio(loaded.p50, alone.p50)} / ${ratio(loaded.p99, alone.p99)} |`;

function callsLine(calls: Readonly<Record<string, number>>): string {
  const entries = Object.entries(calls).sort((a, b) => b[1] - a[1]);
  const total = entries.reduce((sum, [, n]) => sum + n, 0);
  return `${total.toFixed(1)} in all (${entries.map(([command, n]) => `${command} ${n.toFixed(2)}`).join(", ")})`;
}

function contextLine(context: RunContext): string {
  return `Measured on ${context.date} (${context.machine}; a shared 2-core box: other jobs ran alongside, load
average 1/5/15 min ${load(context.loadavgStart)} at the start and ${load(context.loadavgEnd)} at the end).`;
}

export function renderOtpFirstSection(figures: OtpFirstFigures, context: RunContext): string {
  const { bulk, baseline, loaded } = figures;
  const p99 = loaded.toCarrier.p99;
  const met = loaded.received === loaded.started && p99 <= OTP_GOAL_P99_MS;
  return `${OTP_FIRST_HEADING}

${contextLine(context)}
\`npm run bench -- --only otp\`, functions ${figures.execution === "workers" ? "each in its own worker threads (TEXTGATE_LOCAL_WORKERS=1)" : "in-process (TEXTGATE_LOCAL_WORKERS=0)"}. A verification (\`POST /v1/verifications\`) every ${figures.intervalMs} ms, timed from
just before the POST to the carrier simulator's receipt of its OTP text (outbox \`receivedAt\`; carrier latency
${figures.carrierLatencyMs} ms). First ${baseline.started} with no other traffic, then ${loaded.started} while bulk SMS (priority low →
sms-bulk) are offered at ${figures.bulkRate}/s for ${figures.seconds} s (open loop, at most 256 in flight). Each code is checked once
received, so the fraud guard's conversion stays normal. Percentiles count every 201: an OTP text not at the
carrier within 60 s after the last start counts as "never".

| | figure |
| --- | --- |
| bulk offered / accepted | ${bulk.offered} / ${bulk.accepted} ${JSON.stringify(bulk.statuses)} |
| bulk accepted per second (target ${figures.bulkRate}) | **${bulk.acceptedPerSecond.toFixed(0)}** |
| bulk at the carrier when the last OTP arrived | ${bulk.submittedByEnd} of ${bulk.accepted} |
| OTP texts received, alone / under bulk | ${baseline.received} of ${baseline.started} / ${loaded.received} of ${loaded.started} |

| p50 / p95 / p99 | no bulk | under bulk | ratio p50 / p99 |
| --- | --- | --- | --- |
${row("POST → OTP at the carrier", loaded.toCarrier, baseline.toCarrier)}
${row("POST → 201 (API part)", loaded.answered, baseline.answered)}

AWS calls per verification with no other traffic (start, dispatch, DLR and code check; each one a round trip
that waits its turn when the process and DynamoDB Local are saturated): ${figures.execution === "workers" ? "not counted with functions in worker threads (the SDK meter sees the platform thread only; run with --workers 0)" : callsLine(figures.callsPerVerification)}.

Goal p99 ≤ 1 s under bulk: ${met ? "meets goal" : "**misses goal**"} (p99 ${ms(p99)}${bulk.acceptedPerSecond < figures.bulkRate * 0.95 ? `, at ${bulk.acceptedPerSecond.toFixed(0)} bulk/s achieved, not ${figures.bulkRate}` : ""}).
`;
}

const perSms = (us: number, accepted: number) => (us / Math.max(1, accepted) / 1000).toFixed(2);

export function renderCpuProfileSection(figures: CpuProfileFigures, context: RunContext): string {
  const { summary, pipeline } = figures;
  const n = pipeline.accepted;
  const share = (us: number) => `${((us / Math.max(1, summary.busyUs)) * 100).toFixed(1)}%`;
  const table = (items: readonly { name: string; selfUs: number }[]) =>
    items
      .slice(0, 15)
      .map(
        (item) => `| ${item.name.replaceAll("|", "/")} | ${perSms(item.selfUs, n)} | ${share(item.selfUs)} |`,
      )
      .join("\n");
  return `${CPU_PROFILE_HEADING}

${contextLine(context)}
\`npm run bench -- --only profile\`: the pipeline run (${pipeline.count} SMS, 64 concurrent clients, carrier latency
${pipeline.carrierLatencyMs} ms) under \`node --cpu-prof\`; self time of the main thread's samples ${summary.wholeProfile ? "over the WHOLE profile (the measured window was not inside it: start-up and warm-up included)" : "inside the measured window only (from the first send to the last DLR + 1 s; start-up and warm-up cut off)"},
divided by the ${n} accepted SMS. One process holds the gateway, authorizer, functions, pollers, fauxqs (SQS)
and the carrier simulator; DynamoDB Local (java) is a separate process and not in these figures. TypeScript
runs through tsx, so project line numbers are those of the transpiled code.

Main thread busy ${perSms(summary.busyUs, n)} ms per SMS (${((summary.busyUs / Math.max(1, summary.windowUs)) * 100).toFixed(0)}% of the ${(summary.windowUs / 1e6).toFixed(1)} s window; ${pipeline.acceptedPerSecond.toFixed(0)} accepted/s, ${pipeline.deliveredPerSecond.toFixed(0)} delivered/s in this run).

| package / area (self time) | ms per SMS | share of busy |
| --- | --- | --- |
${table(summary.byPackage)}

| function (self time) | ms per SMS | share of busy |
| --- | --- | --- |
${table(summary.byFunction)}
`;
}

/** Puts `section` in place of the one under its heading (its first line), or appends it. */
export function replaceSection(results: string, section: string): string {
  const heading = section.slice(0, section.indexOf("\n"));
  const start = results.indexOf(heading);
  if (start < 0) return `${results.trimEnd()}\n\n${section}`;
  const end = results.indexOf("\n## ", start + 1);
  return `${results.slice(0, start)}${section}${end < 0 ? "" : results.slice(end)}`;
}
