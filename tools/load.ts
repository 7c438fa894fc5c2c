/**
 * `npm run load [-- --rate 200 --seconds 60]`: autocannon against the local platform (in-process):
 * 1. steady POST /v1/messages at `rate` req/s (gateway throttles raised so the pipeline takes the
 *    load) → status counts, errors other than intended 429s, p50/p99 latency, delivery afterwards;
 * 2. throttling with the deployed defaults: a burst above the usage plan → 429 problem+json with
 *    Retry-After. Exits non-zero when a request errs (anything but 202/429) or throttling misbehaves.
 */
import "./quality/quiet.ts";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { recipients, startBenchPlatform, waitForDelivery } from "../bench/pipeline.ts";
import { defaultThrottle } from "../local/gateway/throttle.ts";
import { problemViolations, securityHeaderViolations } from "../test/quality/response-checks.ts";

const { values } = parseArgs({
  options: { rate: { type: "string", default: "200" }, seconds: { type: "string", default: "60" } },
});
const rate = Number(values.rate);
const seconds = Number(values.seconds);
let failed = false;

async function steadyLoad(): Promise<void> {
  const bench = await startBenchPlatform();
  try {
    bench.carrier.faults.latencyMs = 50;
    const numbers = recipients(rate * seconds + 1000, 300_000);
    let next = 0;
    const used: string[] = [];
    console.log(`load: POST /v1/messages at ${rate} req/s for ${seconds} s against ${bench.platform.apiUrl}`);
    const started = performance.now();
    const result = await autocannon({
      url: bench.platform.apiUrl,
      connections: Math.max(10, Math.ceil(rate / 10)),
      overallRate: rate,
      duration: seconds,
      timeout: 30,
      requests: [
        {
          method: "POST",
          setupRequest: (request) => {
            const to = numbers[next++ % numbers.length] as string;
            used.push(to);
            return {
              ...request,
              path: "/v1/messages",
              headers: { Authorization: `Bearer ${bench.apiKey}`, "Content-Type": "application/json" },
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
      `  delivered ${delivery.delivered}/${accepted} accepted, last one ${(delivery.deliveredMs / 1000).toFixed(1)} s after the start`,
    );
    if (errors > 0) failed = true;
  } finally {
    await bench.platform.stop();
  }
}

async function throttling(): Promise<void> {
  const bench = await startBenchPlatform({ realThrottle: true });
  try {
    const burst = defaultThrottle.usagePlan.burstLimit * 3;
    console.log(
      `throttling: ${burst} requests at once, usage plan ${JSON.stringify(defaultThrottle.usagePlan)}`,
    );
    const numbers = recipients(burst, 600_000);
    const responses = await Promise.all(
      numbers.map((to) =>
        fetch(`${bench.platform.apiUrl}/v1/messages`, {
          method: "POST",
          headers: { Authorization: `Bearer ${bench.apiKey}`, "Content-Type": "application/json" },
          body: JSON.stringify({ to, text: "Throttle check" }),
        }).then(async (r) => ({ status: r.status, headers: r.headers, body: await r.text() })),
      ),
    );
    const limited = responses.filter((r) => r.status === 429);
    const problems = limited.flatMap((r) => [...problemViolations(r), ...securityHeaderViolations(r)]);
    const retryAfter = [...new Set(limited.map((r) => r.headers.get("retry-after")))];
    console.log(
      `  ${limited.length}/${burst} answered 429; Retry-After values ${JSON.stringify(retryAfter)}`,
    );
    if (problems.length > 0) console.log(`  429 problems: ${[...new Set(problems)].join("; ")}`);
    if (limited.length === 0 || problems.length > 0) failed = true;
  } finally {
    await bench.platform.stop();
  }
}

await steadyLoad();
await throttling();
console.log(failed ? "load: FAILED" : "load: ok");
process.exit(failed ? 1 : 0);
