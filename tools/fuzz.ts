/**
 * `npm run fuzz [-- --count 10000 --seed 42 --concurrency 16]`: starts the local platform in-process
 * (throttling raised so requests reach the functions), fires property-based requests generated from
 * the OpenAPI document, and exits non-zero on any violation, or when the run could not reach the
 * functions (no 2xx at all, or no signed-in user for the account routes). ~35 s for 3,000 requests.
 */
import "./quality/quiet.ts";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { buildOpenApi, DEFAULT_INFO, deployed } from "../functions/docs/openapi.ts";
import { loadRouteTables } from "../functions/docs/route-tables.ts";
import { catalog } from "../lib/catalog/index.ts";
import { startLocalPlatform } from "../local/platform.ts";
import { documentedAnswers, OpenApiContract } from "../test/support/openapi-contract.ts";
import { fuzzProblems, loginToken, runFuzz, summarizeViolations } from "./quality/fuzz-runner.ts";
import { runTool } from "./quality/verdict.ts";

const { values } = parseArgs({
  options: {
    count: { type: "string", default: "10000" },
    seed: { type: "string", default: String(Date.now() % 1_000_000) },
    concurrency: { type: "string", default: "16" },
  },
});
const count = Number(values.count);
const seed = Number(values.seed);

await runTool("fuzz", async () => {
  const platform = await startLocalPlatform({
    port: 0,
    home: mkdtempSync(join(tmpdir(), "textgate-fuzz-")),
    throttle: {
      stage: { rateLimit: 100_000, burstLimit: 100_000 },
      usagePlan: { rateLimit: 100_000, burstLimit: 100_000 },
    },
    warn: () => {},
  });
  try {
    const demo = platform.demo;
    if (!demo) throw new Error("no demo account");
    const { tables } = await loadRouteTables(catalog);
    // The whole deployed surface, carrier callbacks included (the customer reference leaves them out).
    const spec = buildOpenApi(catalog.routes, tables, DEFAULT_INFO, deployed);
    const signIn = () => loginToken(platform.apiUrl, demo.email, demo.password);
    const accessToken = await signIn();
    console.log(
      `fuzz: ${count} requests, seed ${seed}, against ${platform.apiUrl} (API key${accessToken ? " + owner access token" : " only"})`,
    );
    const report = await runFuzz({
      apiUrl: platform.apiUrl,
      apiKey: demo.apiKey,
      ...(accessToken ? { accessToken } : {}),
      renewAccessToken: signIn,
      spec,
      count,
      seed,
      concurrency: Number(values.concurrency),
      onProgress: (done) => process.stdout.write(`  ${done}/${count}\r`),
      // Answers of documented operations must match the served customer document.
      extraChecks: documentedAnswers(await OpenApiContract.load(platform.apiUrl)),
    });
    console.log(`\nfuzz: ${report.total} requests in ${(report.ms / 1000).toFixed(1)} s`);
    console.log(`  by status: ${JSON.stringify(report.byStatus)}`);
    console.log(`  by kind:   ${JSON.stringify(report.byKind)}`);
    console.log(`  sessions renewed after a fuzzed sign-out: ${report.sessionRenewals}`);
    console.log(`  requests sent again after their connection dropped: ${report.connectionRetries}`);
    console.log(`  violations: ${report.violations.length}`);
    for (const line of summarizeViolations(report.violations).slice(0, 40)) console.log(`  ${line}`);
    return fuzzProblems(report, { count, seed, signedIn: accessToken !== undefined });
  } finally {
    await platform.stop();
  }
});
