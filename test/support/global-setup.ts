/**
 * Starts ONE local platform for the whole test run on free ports, with TEXTGATE_HOME in a temp dir,
 * and hands its coordinates to test files through vitest's provide/inject (keys in ./env.ts).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { startLocalPlatform } from "../../local/platform.ts";

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // Pure unit-test runs can skip the ~3-5 s start: TEXTGATE_TEST_PLATFORM=0 npx vitest run test/x
  if (process.env.TEXTGATE_TEST_PLATFORM === "0") return async () => {};
  // Function logs would drown the test report; errors still show. Override with LOG_LEVEL=INFO.
  process.env.LOG_LEVEL ??= "WARN";
  const home = mkdtempSync(join(tmpdir(), "textgate-test-"));
  const started = performance.now();
  const platform = await startLocalPlatform({ port: 0, home, warn: () => {} });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  if (process.env.TEXTGATE_TEST_VERBOSE) console.log(`local platform for tests ready in ${seconds} s`);

  project.provide("apiUrl", platform.apiUrl);
  project.provide("outboxUrl", platform.outboxUrl);
  project.provide("demo", platform.demo ?? null);
  project.provide("operator", platform.operator);
  project.provide("dynamodbEndpoint", platform.dynamodbEndpoint);
  project.provide("sqsEndpoint", platform.sqsEndpoint);
  project.provide("carrierSimUrl", platform.carrierSimUrl ?? null);
  project.provide("awsSmsSimUrl", platform.awsSmsSimUrl ?? null);
  project.provide("platformEnv", { ...platform.env });
  project.provide("textgateHome", home);

  return async () => {
    await platform.stop();
    rmSync(home, { recursive: true, force: true });
  };
}
