/**
 * The local platform the quality tests talk to: the one the test harness started for the whole run
 * (vitest inject), or, when a file runs without that global setup, one started here for the file.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, inject } from "vitest";

export interface PlatformUnderTest {
  readonly apiUrl: string;
  readonly outboxUrl: string;
  readonly apiKey: string;
  readonly email: string | undefined;
  readonly password: string | undefined;
}

interface DemoLike {
  readonly apiKey?: string;
  readonly email?: string;
  readonly password?: string;
}

const injected = (key: string): unknown => {
  try {
    return (inject as (name: string) => unknown)(key);
  } catch {
    return undefined;
  }
};

function fromHarness(): PlatformUnderTest | undefined {
  const apiUrl = injected("apiUrl");
  if (typeof apiUrl !== "string") return undefined;
  const demo = (injected("demo") ?? {}) as DemoLike;
  const apiKey = demo.apiKey ?? injected("demoApiKey") ?? injected("apiKey");
  if (typeof apiKey !== "string") return undefined;
  return {
    apiUrl,
    outboxUrl: (injected("outboxUrl") as string | undefined) ?? `${apiUrl}/_local/outbox`,
    apiKey,
    email: demo.email ?? (injected("demoEmail") as string | undefined),
    password: demo.password ?? (injected("demoPassword") as string | undefined),
  };
}

/**
 * A fresh account of its own (seeded like the demo account), so a file that fires many requests
 * spends its own API key's usage plan and its own account limits, not those other test files share.
 */
async function ownAccount(base: PlatformUnderTest): Promise<PlatformUnderTest> {
  const env = injected("platformEnv") as Record<string, string> | undefined;
  if (env) Object.assign(process.env, env);
  const { seedDemoAccount } = await import("../../functions/identity/seed.ts");
  const account = await seedDemoAccount({});
  return { ...base, apiKey: account.apiKey, email: account.email, password: account.password };
}

/** Registers beforeAll/afterAll; the returned getter is valid inside tests. */
export function usePlatform(options: { ownAccount?: boolean } = {}): () => PlatformUnderTest {
  let current: PlatformUnderTest | undefined;
  let stop: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    const harness = fromHarness();
    if (harness) {
      current = options.ownAccount ? await ownAccount(harness) : harness;
      return;
    }
    const { startLocalPlatform } = await import("../../local/platform.ts");
    const platform = await startLocalPlatform({
      port: 0,
      home: mkdtempSync(join(tmpdir(), "textgate-quality-")),
      warn: () => {},
    });
    stop = () => platform.stop();
    if (!platform.demo) throw new Error("local platform started without a demo account");
    current = {
      apiUrl: platform.apiUrl,
      outboxUrl: platform.outboxUrl,
      apiKey: platform.demo.apiKey,
      email: platform.demo.email,
      password: platform.demo.password,
    };
  }, 120_000);
  afterAll(async () => {
    await stop?.();
  }, 60_000);
  return () => {
    if (!current) throw new Error("platform not started (usePlatform must run at file level)");
    return current;
  };
}
