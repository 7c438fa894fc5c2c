/**
 * Emulator lifecycle for the local platform: DynamoDB Local (java child process) and fauxqs (SQS,
 * in-process). Every start picks free ports, so a stale process from an earlier run never blocks.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { buildApp } from "fauxqs";
import { onProcessExit } from "./cleanup.ts";

import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from "./local-account.ts";

export { LOCAL_ACCOUNT_ID, LOCAL_REGION };

export const JAVA_MISSING_MESSAGE =
  "Textgate needs a Java runtime for DynamoDB Local. Install it: sudo apt-get install -y openjdk-17-jre-headless (Debian/Ubuntu) or brew install openjdk@17 (macOS)";

/** A start-up failure whose message is the whole story: print it, no stack trace. */
export class LocalStartError extends Error {
  override name = "LocalStartError";
}

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const DYNAMODB_LOCAL_DIR = join(projectRoot, "node_modules", "amplify-dynamodb-simulator", "emulator");

/** Asks the OS for a free TCP port on 127.0.0.1. */
export function findFreePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/** Rejects with the listen error (EADDRINUSE…) when 127.0.0.1:port cannot be bound right now. */
export function assertPortFree(port: number): Promise<void> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => server.close(() => resolvePort()));
  });
}

/** Fails with one clear line when there is no usable java on PATH. */
export function assertJava(): void {
  const result = spawnSync("java", ["-version"], { stdio: "ignore" });
  if (result.error || result.status !== 0) throw new LocalStartError(JAVA_MISSING_MESSAGE);
}

export interface RunningEmulator {
  readonly endpoint: string;
  readonly port: number;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Credentials and region the SDK uses for the emulators (never real AWS credentials). */
export const localAwsEnv = {
  AWS_REGION: LOCAL_REGION,
  AWS_DEFAULT_REGION: LOCAL_REGION,
  AWS_ACCESS_KEY_ID: "local",
  AWS_SECRET_ACCESS_KEY: "local",
  AWS_EC2_METADATA_DISABLED: "true",
  // Node 20 is supported here; the SDK's "upgrade to 22" notice would only clutter the local output.
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
} as const;

async function waitForDynamo(endpoint: string, child: ChildProcess, output: () => string): Promise<void> {
  const client = new DynamoDBClient({
    endpoint,
    region: LOCAL_REGION,
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
    maxAttempts: 1,
  });
  const deadline = Date.now() + 25_000;
  try {
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new LocalStartError(`DynamoDB Local exited during start-up: ${output().trim() || "no output"}`);
      }
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        return;
      } catch (error) {
        if (error instanceof LocalStartError) throw error;
        await sleep(100);
      }
    }
    throw new LocalStartError(`DynamoDB Local did not answer within 25 s: ${output().trim() || "no output"}`);
  } finally {
    client.destroy();
  }
}

/**
 * Java runs under a tiny sh watchdog in its own process group: stop() kills the group, and if this
 * node process dies without cleaning up (SIGKILL), the watchdog sees stdin close and kills java.
 */
const WATCHDOG = 'java "$@" </dev/null & child=$!; cat >/dev/null; kill $child 2>/dev/null; wait $child';

/**
 * JVM flags: C1-only JIT and the serial GC roughly halve DynamoDB Local's start-up on a busy 2-core
 * machine; peak throughput matters less locally. TEXTGATE_JAVA_OPTS replaces them (e.g. for bench/).
 */
function javaOptions(): string[] {
  const custom = process.env.TEXTGATE_JAVA_OPTS;
  if (custom !== undefined) return custom.split(" ").filter((part) => part !== "");
  return ["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"];
}

async function spawnDynamoOnce(port: number, dataDir: string | undefined): Promise<RunningEmulator> {
  const storage = dataDir ? ["-dbPath", dataDir] : ["-inMemory"];
  // -sharedDb: one database for every credential/region, so tests and functions see the same tables.
  const args = [
    ...javaOptions(),
    "-Djava.library.path=./DynamoDBLocal_lib",
    "-jar",
    "DynamoDBLocal.jar",
    "-port",
    String(port),
    "-disableTelemetry",
    "-sharedDb",
    ...storage,
  ];
  const child = spawn("sh", ["-c", WATCHDOG, "textgate-dynamodb", ...args], {
    cwd: DYNAMODB_LOCAL_DIR,
    detached: true,
    stdio: ["pipe", "pipe", "pipe"],
  });
  let log = "";
  const keep = (chunk: Buffer) => {
    log = (log + chunk.toString("utf8")).slice(-4000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  child.stdin?.on("error", () => {});
  const pgid = child.pid;
  if (pgid === undefined) throw new LocalStartError("could not start DynamoDB Local (sh not found?)");
  const killGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-pgid, signal);
    } catch {
      // group already gone
    }
  };
  const unregister = onProcessExit(() => killGroup("SIGKILL"));
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  // The watchdog must not keep the event loop alive on its own.
  child.unref();
  for (const stream of [child.stdout, child.stderr, child.stdin])
    (stream as { unref?: () => void })?.unref?.();

  const stop = async () => {
    killGroup("SIGTERM");
    const timer = setTimeout(() => killGroup("SIGKILL"), 3000);
    await exited;
    clearTimeout(timer);
    killGroup("SIGKILL"); // java itself may outlive sh by a moment
    unregister();
  };
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitForDynamo(endpoint, child, () => log);
  } catch (error) {
    await stop();
    throw error;
  }
  return { endpoint, port, stop };
}

/** Starts DynamoDB Local on a free port; `dataDir` keeps data on disk (--persist), else in memory. */
export async function startDynamoDbLocal(options: { dataDir?: string } = {}): Promise<RunningEmulator> {
  assertJava();
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  let lastError: unknown;
  // A free port can be taken between probing and java binding it: retry with a new one.
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await spawnDynamoOnce(await findFreePort(), options.dataDir);
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

/**
 * fauxqs in-process. Two deviations from startFauxqs(), both for the normal SDK code path:
 * - startFauxqs() always listens on 0.0.0.0; we build the same app (exported buildApp) and listen on
 *   127.0.0.1 only.
 * - its queue URLs default to http://sqs.<region>.localhost:PORT/…, and the SQS client sends each
 *   call to the QueueUrl's host (which does not resolve without DNS patching). A store with an
 *   empty host makes URLs from the request's Host header instead: http://127.0.0.1:PORT/000000000000/name.
 *   SqsStore is not in the package's exports map, hence the file import (fauxqs is pinned).
 */
export async function startSqsEmulator(options: { port?: number } = {}): Promise<RunningEmulator> {
  const storeModule = pathToFileURL(
    join(projectRoot, "node_modules", "fauxqs", "dist", "sqs", "sqsStore.js"),
  );
  const { SqsStore } = (await import(storeModule.href)) as { SqsStore: new () => { host: string } };
  const sqsStore = new SqsStore();
  sqsStore.host = "";
  const app = buildApp({
    logger: false,
    defaultRegion: LOCAL_REGION,
    stores: { sqsStore } as unknown as NonNullable<Parameters<typeof buildApp>[0]>["stores"],
  });
  await app.listen({ port: options.port ?? 0, host: "127.0.0.1" });
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return { endpoint: `http://127.0.0.1:${port}`, port, stop: () => app.close() };
}

export interface Emulators {
  readonly dynamodb: RunningEmulator;
  readonly sqs: RunningEmulator;
  /** Env the AWS SDK reads to talk to the emulators (endpoints, region, dummy credentials). */
  readonly env: Readonly<Record<string, string>>;
  stop(): Promise<void>;
}

/** Starts both emulators in parallel and points this process's AWS SDK at them. */
export async function startEmulators(options: { dataDir?: string } = {}): Promise<Emulators> {
  assertJava();
  Object.assign(process.env, localAwsEnv);
  const [dynamo, sqs] = await Promise.allSettled([startDynamoDbLocal(options), startSqsEmulator()]);
  if (dynamo.status === "rejected" || sqs.status === "rejected") {
    if (dynamo.status === "fulfilled") await dynamo.value.stop();
    if (sqs.status === "fulfilled") await sqs.value.stop();
    throw dynamo.status === "rejected" ? dynamo.reason : (sqs as PromiseRejectedResult).reason;
  }
  const env = {
    ...localAwsEnv,
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.value.endpoint,
    AWS_ENDPOINT_URL_SQS: sqs.value.endpoint,
  };
  Object.assign(process.env, env);
  return {
    dynamodb: dynamo.value,
    sqs: sqs.value,
    env,
    stop: async () => {
      await Promise.allSettled([dynamo.value.stop(), sqs.value.stop()]);
    },
  };
}
