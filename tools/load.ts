/**
 * `npm run load [-- --rate 200 --seconds 60]`: open-loop load against the local platform (in-process):
 * 1. steady POST /v1/messages offered at `rate` req/s (request i is due at i / rate s, whatever the
 *    earlier ones are doing: tools/quality/open-loop.ts) with the deployed throttles, spread over
 *    enough API keys of the demo account that no key exceeds its usage plan (stage-level 429s are
 *    intended) → status counts, the accepted rate achieved, p50/p99 latency of the 202s measured
 *    from when each request was due, then delivery of every accepted message;
 * 2. throttling: a burst from one key above its usage plan → 429 problem+json with Retry-After.
 * One platform per process: the functions' AWS clients are created once per process, like Lambda's.
 * Exits non-zero when a request errs (anything but 202/429, or no answer), nothing is accepted or
 * delivered, or throttling misbehaves. ~seconds + 30 s plus the delivery wait (≤ seconds + 120 s).
 */
import "./quality/quiet.ts";
import { parseArgs } from "node:util";
import { type BenchPlatform, recipients, startBenchPlatform, waitForDelivery } from "../bench/pipeline.ts";
import { createApiKey } from "../functions/auth/api-keys.ts";
import { systemClock } from "../functions/shared/clock.ts";
import { defaultThrottle } from "../local/gateway/throttle.ts";
import { problemViolations, securityHeaderViolations } from "../test/quality/response-checks.ts";
import { runOpenLoop, summarizeLoad } from "./quality/open-loop.ts";
import { runTool } from "./quality/verdict.ts";

const { values } = parseArgs({
  options: { rate: { type: "string", default: "200" }, seconds: { type: "string", default: "60" } },
});
const rate = Number(values.rate);
const seconds = Number(values.seconds);
/** Below this share of the offered rate the run says the platform fell behind (a figure, not a failure). */
const KEPT_UP = 0.95;
/** At most this many seconds of offered requests wait for answers; later ones are dropped and counted. */
const MAX_IN_FLIGHT_SECONDS = 5;

async function apiKeys(bench: BenchPlatform, count: number): Promise<string[]> {
  const accountId = bench.platform.demo?.accountId as string;
  const keys = [bench.apiKey];
  while (keys.length < count) {
    const { key } = await createApiKey(
      { accountId, name: `load-${keys.length}`, scopes: ["send", "verify", "read"], mode: "test" },
      systemClock,
    );
    keys.push(key);
  }
  return keys;
}

const ms = (value: number) => (Number.isNaN(value) ? "n/a" : `${Math.round(value)} ms`);

async function steadyLoad(bench: BenchPlatform): Promise<string[]> {
  const problems: string[] = [];
  bench.carrier.faults.latencyMs = 50;
  // 80% of a key's steady rate per key: the usage plan never throttles, the stage limit may.
  const keys = await apiKeys(bench, Math.ceil(rate / (defaultThrottle.usagePlan.rateLimit * 0.8)));
  const numbers = recipients(Math.round(rate * seconds), 300_000);
  // Only what was answered 202 is awaited at the carrier (a refused or unanswered send never arrives).
  const accepted: string[] = [];
  console.log(
    `load: POST /v1/messages offered at ${rate} req/s for ${seconds} s (${numbers.length} requests, open loop) over ${keys.length} API keys, ${bench.platform.apiUrl}`,
  );
  const started = performance.now();
  const run = await runOpenLoop({
    rate,
    seconds,
    maxInFlight: rate * MAX_IN_FLIGHT_SECONDS,
    send: async (index) => {
      const to = numbers[index] as string;
      const response = await fetch(`${bench.platform.apiUrl}/v1/messages`, {
        method: "POST",
        headers: { Authorization: `Bearer ${keys[index % keys.length]}`, "Content-Type": "application/json" },
        body: JSON.stringify({ to, text: "Load test message" }),
        signal: AbortSignal.timeout(30_000),
      });
      await response.arrayBuffer();
      if (response.status === 202) accepted.push(to);
      return response.status;
    },
  });
  const summary = summarizeLoad(run, rate);
  const unintended = Object.entries(summary.byStatus)
    .filter(([status]) => status !== "202" && status !== "429")
    .reduce((sum, [, n]) => sum + n, 0);
  const kept = summary.achievedRate >= rate * KEPT_UP;
  console.log(
    `  answers by status ${JSON.stringify(summary.byStatus)}; dropped (not sent: ${rate * MAX_IN_FLIGHT_SECONDS} still in flight) ${summary.dropped}`,
  );
  console.log(
    `  accepted ${accepted.length} at ${summary.achievedRate.toFixed(1)}/s (start to last answer ${(run.elapsedMs / 1000).toFixed(1)} s) of ${rate}/s offered: ${kept ? "kept up" : "FELL BEHIND the offered rate"}`,
  );
  const { p50, p90, p99, max } = summary.latencyMs;
  console.log(
    `  send latency of the 202s at ${rate}/s offered, from when each was due: p50 ${ms(p50)}, p90 ${ms(p90)}, p99 ${ms(p99)}, max ${ms(max)}`,
  );
  console.log(
    `  load generator lateness p99 ${ms(summary.sendLagP99Ms)} (it shares the process and the cores with the platform)`,
  );
  if (unintended > 0) {
    const examples = [...new Set(run.samples.flatMap((s) => (s.error ? [s.error] : [])))].slice(0, 3);
    problems.push(
      `${unintended} answers other than 202/429${examples.length ? ` (${examples.join(", ")})` : ""}`,
    );
  }
  if (accepted.length === 0) problems.push("no send was accepted");
  if (summary.dropped > 0)
    problems.push(`${summary.dropped} requests dropped: answers took longer than ${MAX_IN_FLIGHT_SECONDS} s`);
  const waitMs = (seconds + 120) * 1000;
  const delivery = await waitForDelivery(bench, accepted, started, waitMs);
  console.log(
    Number.isNaN(delivery.deliveredMs)
      ? `  delivered ${delivery.delivered} of ${accepted.length} accepted (${delivery.submitted} reached the carrier) within ${waitMs / 1000} s of the start: the pipeline fell behind`
      : `  delivered all ${delivery.delivered} accepted, the last ${(delivery.deliveredMs / 1000).toFixed(1)} s after the start (${((delivery.delivered * 1000) / delivery.deliveredMs).toFixed(1)}/s)`,
  );
  if (accepted.length > 0 && delivery.delivered === 0) problems.push("nothing accepted was delivered");
  // Timeouts and drops at a rate the platform did not keep up with: say so, the machine may be the limit.
  if (problems.length > 0 && !kept)
    problems.push(
      `accepted ${summary.achievedRate.toFixed(1)}/s of ${rate}/s offered (a shared machine? offer less with --rate)`,
    );
  return problems;
}

async function throttling(bench: BenchPlatform): Promise<string[]> {
  const burst = defaultThrottle.usagePlan.burstLimit * 3;
  console.log(
    `throttling: ${burst} requests at once, usage plan ${JSON.stringify(defaultThrottle.usagePlan)}`,
  );
  // The local gateway applies the key's bucket after reading the body and the (cached) authorizer,
  // so requests the function answers cheaply (400, no AWS call) reach the bucket at gateway speed;
  // API Gateway applies it on arrival. One request first warms the authorizer cache.
  const post = () =>
    fetch(`${bench.platform.apiUrl}/v1/messages`, {
      method: "POST",
      headers: { Authorization: `Bearer ${bench.apiKey}`, "Content-Type": "application/json" },
      body: "{}",
      signal: AbortSignal.timeout(30_000),
    }).then(
      async (r) => ({ status: r.status, headers: r.headers, body: await r.text() }),
      (error: unknown) => ({ status: 0, headers: new Headers(), body: String(error) }),
    );
  await post();
  const responses = await Promise.all(Array.from({ length: burst }, post));
  const unanswered = responses.filter((r) => r.status === 0).length;
  const limited = responses.filter((r) => r.status === 429);
  const violations = limited.flatMap((r) => [
    ...problemViolations(r),
    ...securityHeaderViolations(r),
    ...(r.headers.get("retry-after") ? [] : ["429 without Retry-After"]),
  ]);
  const retryAfter = [...new Set(limited.map((r) => r.headers.get("retry-after")))];
  console.log(`  ${limited.length}/${burst} answered 429; Retry-After values ${JSON.stringify(retryAfter)}`);
  const problems = [...new Set(violations)];
  if (limited.length === 0) problems.push(`no 429 in a burst of ${burst} from one key`);
  if (unanswered > 0) problems.push(`${unanswered} of the burst got no answer`);
  return problems;
}

await runTool("load", async () => {
  const bench = await startBenchPlatform({ realThrottle: true });
  try {
    return [...(await steadyLoad(bench)), ...(await throttling(bench))];
  } finally {
    await bench.platform.stop();
  }
});
