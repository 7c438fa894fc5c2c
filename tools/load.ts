/**
 * `npm run load [-- --rate 200 --seconds 60]`: autocannon against the local platform (in-process):
 * 1. steady POST /v1/messages at `rate` req/s with the deployed throttles, spread over enough API
 *    keys of the demo account that no key exceeds its usage plan (stage-level 429s are intended) →
 *    status counts, errors other than 429s, p50/p99 latency, delivery afterwards;
 * 2. throttling: a burst from one key above its usage plan → 429 problem+json with Retry-After.
 * One platform per process: the functions' AWS clients are created once per process, like Lambda's.
 * Exits non-zero when a request errs (anything but 202/429) or throttling misbehaves.
 */
import "./quality/quiet.ts";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { type BenchPlatform, recipients, startBenchPlatform, waitForDelivery } from "../bench/pipeline.ts";
import { createApiKey } from "../functions/auth/api-keys.ts";
import { systemClock } from "../functions/shared/clock.ts";
import { defaultThrottle } from "../local/gateway/throttle.ts";
import { problemViolations, securityHeaderViolations } from "../test/quality/response-checks.ts";

const { values } = parseArgs({
  options: { rate: { type: "string", default: "200" }, seconds: { type: "string", default: "60" } },
});
const rate = Number(values.rate);
const seconds = Number(values.seconds);
let failed = false;

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

async function steadyLoad(bench: BenchPlatform): Promise<void> {
  {
    bench.carrier.faults.latencyMs = 50;
    // 80% of a key's steady rate per key: the usage plan never throttles, the stage limit may.
    const keys = await apiKeys(bench, Math.ceil(rate / (defaultThrottle.usagePlan.rateLimit * 0.8)));
    const numbers = recipients(rate * seconds + 1000, 300_000);
    let next = 0;
    const used: string[] = [];
    console.log(
      `load: POST /v1/messages at ${rate} req/s for ${seconds} s over ${keys.length} API keys, ${bench.platform.apiUrl}`,
    );
    const started = performance.now();
    const result = await autocannon({
      url: bench.platform.apiUrl,
      // Enough connections to keep the rate even when a request takes up to a second.
      connections: rate,
      overallRate: rate,
      duration: seconds,
      timeout: 30,
      requests: [
        {
          method: "POST",
          setupRequest: (request) => {
            const index = next++;
            const to = numbers[index % numbers.length] as string;
            const key = keys[index % keys.length] as string;
            used.push(to);
            return {
              ...request,
              path: "/v1/messages",
              headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
              body: JSON.stringify({ to, text: "Load test message" }),
            };
          },
        },
      ],
    });
    const byStatus = Object.fromEntries(
      Object.entries(result.statusCodeStats).map(([code, s]) => [code, s.count]),
    );
    const unintended = Object.entries(byStatus)
      .filter(([code]) => code !== "202" && code !== "429")
      .reduce((sum, [, n]) => sum + n, 0);
    const errors = unintended + result.errors + result.timeouts;
    console.log(
      `  requests: ${result.requests.total} (${result.requests.average.toFixed(0)}/s), by status ${JSON.stringify(byStatus)}`,
    );
    console.log(
      `  errors other than intended 429s: ${errors} (HTTP ${unintended}, socket ${result.errors}, timeouts ${result.timeouts})`,
    );
    console.log(
      `  latency p50 ${result.latency.p50} ms, p90 ${result.latency.p90} ms, p99 ${result.latency.p99} ms, max ${result.latency.max} ms`,
    );
    const accepted = byStatus["202"] ?? 0;
    const delivery = await waitForDelivery(bench, used, started, (seconds + 120) * 1000);
    console.log(
      Number.isNaN(delivery.deliveredMs)
        ? `  delivered ${delivery.delivered} of ${used.length} sent (202s counted: ${accepted}) within ${seconds + 120} s of the start: the pipeline fell behind`
        : `  delivered all ${delivery.delivered} sent (202s counted: ${accepted}), the last ${(delivery.deliveredMs / 1000).toFixed(1)} s after the start`,
    );
    if (errors > 0) failed = true;
  }
}

async function throttling(bench: BenchPlatform): Promise<void> {
  {
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
      }).then(async (r) => ({ status: r.status, headers: r.headers, body: await r.text() }));
    await post();
    const responses = await Promise.all(Array.from({ length: burst }, post));
    const limited = responses.filter((r) => r.status === 429);
    const problems = limited.flatMap((r) => [...problemViolations(r), ...securityHeaderViolations(r)]);
    const retryAfter = [...new Set(limited.map((r) => r.headers.get("retry-after")))];
    console.log(
      `  ${limited.length}/${burst} answered 429; Retry-After values ${JSON.stringify(retryAfter)}`,
    );
    if (problems.length > 0) console.log(`  429 problems: ${[...new Set(problems)].join("; ")}`);
    if (limited.length === 0 || problems.length > 0) failed = true;
  }
}

const bench = await startBenchPlatform({ realThrottle: true });
try {
  await steadyLoad(bench);
  await throttling(bench);
} finally {
  await bench.platform.stop();
}
console.log(failed ? "load: FAILED" : "load: ok");
process.exit(failed ? 1 : 0);
