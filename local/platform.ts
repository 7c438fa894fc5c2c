/**
 * The whole local platform as one function, used by `npm start` and by the test harness:
 * emulators → catalogue resources → keyring → demo account → carrier simulator → SQS pollers →
 * TTL sweeper → schedules (each run once before ready) → API gateway.
 */
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { prepareLocalSigningKey } from "../functions/identity/signing.ts";
import { catalog, envNames, smsConfigurationSetName } from "../lib/catalog/index.ts";
import { startApiGateway } from "./api-gateway.ts";
import {
  type CarrierSim,
  mergedOutbox,
  registerConfiguredCarriers,
  startCarrier,
  startLocalAwsSmsCarrier,
} from "./carrier.ts";
import type { CarrierEntry, SmppCarrierEntry } from "./carrier-config.ts";
import { assertJava, assertPortFree, findFreePort, LOCAL_ACCOUNT_ID, startEmulators } from "./emulators.ts";
import type { OperatorCredential } from "./gateway/iam-auth.ts";
import type { ThrottleConfig } from "./gateway/throttle.ts";
import { ensureLocalKeyring } from "./keyring.ts";
import { entryExists, type FunctionInvoker, type HandlerLoader, inProcessInvoker } from "./lambda-runtime.ts";
import { prepareMailOutbox, readMailOutbox } from "./mail-outbox.ts";
import { createResources, type LocalResources } from "./resources.ts";
import { type RunningSchedules, startSchedules } from "./schedules.ts";
import { type PlatformSmpp, startPlatformSmpp } from "./smpp.ts";
import { polledQueuesOf, startSqsPollers } from "./sqs-poller.ts";
import { startTtlSweeper } from "./ttl-sweeper.ts";
import { type FunctionWorkers, startFunctionWorkers } from "./workers/pool.ts";

export interface DemoAccount {
  readonly accountId: string;
  readonly apiKey: string;
  readonly email: string;
  readonly password: string;
}

export interface LocalPlatformOptions {
  /** API port; 0 picks a free one. Default 3000. */
  readonly port?: number;
  /** Where local.json, the keyring and (with persist) data live. Default .textgate */
  readonly home?: string;
  /** Keep DynamoDB data in <home>/data across restarts. */
  readonly persist?: boolean;
  readonly stage?: string;
  readonly throttle?: Partial<ThrottleConfig>;
  readonly pollersPerQueue?: number;
  readonly ttlSweepSeconds?: number;
  /** Create the demo account (default true). */
  readonly seed?: boolean;
  /** Where warnings go (missing function modules etc.); default stderr. */
  readonly warn?: (line: string) => void;
  /** Loads function handlers for the gateway and the pollers (chaos tools wrap the real ones). */
  readonly loader?: HandlerLoader;
  /**
   * Run each function in worker threads of its own (local/workers/), as Lambda gives each function
   * its own containers, instead of all of them on the platform's event loop. Default: on when
   * TEXTGATE_LOCAL_WORKERS=1. Not with `loader`: its handlers exist only in this thread.
   */
  readonly workers?: boolean;
  /** Most worker threads per function in worker mode (default TEXTGATE_LOCAL_WORKERS_PER_FUNCTION or 1). */
  readonly workersPerFunction?: number;
  /** Run the catalogue schedules (status prober) on timers (default true). */
  readonly schedules?: boolean;
  /**
   * Exactly these carriers (a checked carriers file, `npm start -- --carriers <file>`) instead of the
   * simulated ones; no simulator starts and no other carrier stays registered.
   */
  readonly carriers?: readonly CarrierEntry[];
  /**
   * Start the local SMSC and the SMPP connector child process (local/smpp.ts) and route
   * LOCAL_SMPP_PREFIX to it. `npm start` turns it on; the test harness leaves it off (SMPP tests
   * start their own SMSC with the faults they need). A carriers file's SMPP entries always get a
   * connector.
   */
  readonly smppConnector?: boolean;
}

export interface LocalPlatform {
  readonly apiUrl: string;
  readonly outboxUrl: string;
  readonly demo: DemoAccount | undefined;
  /** The operator IAM credentials the local gateway accepts on /v1/admin routes (SigV4). */
  readonly operator: OperatorCredential;
  readonly dynamodbEndpoint: string;
  readonly sqsEndpoint: string;
  readonly carrierSimUrl: string | undefined;
  /** The simulated AWS End User Messaging SMS endpoint (PinpointSMSVoiceV2 JSON protocol). */
  readonly awsSmsSimUrl: string | undefined;
  /** SMPP entries of the carriers file, for the SMPP connector (empty with the simulated carriers). */
  readonly smppCarriers: readonly SmppCarrierEntry[];
  /** The carrier simulator itself (fault injection, submissionsByReference) for load/chaos tools. */
  readonly carrier: CarrierSim | undefined;
  readonly resources: LocalResources;
  /** The catalogue schedules on timers (runOnce for tools); none when started with schedules: false. */
  readonly schedules: RunningSchedules | undefined;
  /** Where functions run: each in its own worker threads, or all on the platform's event loop. */
  readonly execution: FunctionExecution;
  /** The function worker threads in worker mode (cold starts, event-loop use per function). */
  readonly functionWorkers: Pick<FunctionWorkers, "started" | "utilization"> | undefined;
  /** Every env var functions need to reach the local resources (AWS endpoints, tables, queues, keyring). */
  readonly env: Readonly<Record<string, string>>;
  stop(): Promise<void>;
}

export type FunctionExecution = "workers" | "in-process";

/** The mode the options (or TEXTGATE_LOCAL_WORKERS) ask for; a custom loader always runs in-process. */
export function functionExecution(
  options: Pick<LocalPlatformOptions, "workers" | "loader">,
): FunctionExecution {
  if (options.loader) return "in-process";
  const workers = options.workers ?? process.env.TEXTGATE_LOCAL_WORKERS === "1";
  return workers ? "workers" : "in-process";
}

export async function startLocalPlatform(options: LocalPlatformOptions = {}): Promise<LocalPlatform> {
  const home = resolve(options.home ?? ".textgate");
  const stage = options.stage ?? "local";
  const warn = options.warn ?? ((line: string) => console.error(line));
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.splice(0).reverse()) {
      try {
        await stop();
      } catch (error) {
        warn(`local: stop failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  };

  try {
    // Fail fast, before java starts, on the two problems a person can fix: no java, port taken.
    assertJava();
    if (options.port) await assertPortFree(options.port);
    const emulators = await startEmulators(options.persist ? { dataDir: join(home, "data") } : {});
    stops.push(() => emulators.stop());
    const resources = await createResources({ stage, applyEnv: true });
    // As applyGrants sets it on AWS for smsVoice grants: the stage's End User Messaging
    // configuration set, whichever aws-sms carriers are registered (simulated or from a file).
    process.env[envNames.smsConfigurationSet] = smsConfigurationSetName(stage);
    const keyringPath = ensureLocalKeyring(home);
    process.env[envNames.localKeyring] = keyringPath;
    // Access tokens are signed with a local P-256 key file in place of the KMS signing key.
    const signingKeyPath = await prepareLocalSigningKey(home);
    process.env[envNames.localSigningKey] = signingKeyPath;
    // Email goes to a local outbox file in place of SES (served at GET /_local/mail).
    const mailOutboxPath = prepareMailOutbox(home, options.persist ?? false);
    process.env[envNames.localMailOutbox] = mailOutboxPath;
    // Webhook receivers on this machine are fine here (and only here): the platform runs locally.
    process.env[envNames.localWebhookLoopback] = "1";
    // Inside an invocation a function sees only its own environment (local/iam/function-env.ts);
    // the merge is for code outside invocations (tools, tests) that reads these settings.
    for (const fn of catalog.functions) Object.assign(process.env, fn.environment ?? {});

    let demo: DemoAccount | undefined;
    if (options.seed ?? true) {
      const { seedDemoAccount } = (await import("../functions/identity/seed.ts")) as {
        seedDemoAccount: (opts: { email?: string }) => Promise<DemoAccount>;
      };
      demo = await seedDemoAccount({});
    }

    const port = options.port === 0 || options.port === undefined ? await findFreePort() : options.port;
    const apiUrl = `http://127.0.0.1:${port}`;
    // No dashboard runs locally: invitation links point at the API host, holding token=<token>.
    process.env[envNames.invitationUrl] = `${apiUrl}/accept-invitation`;
    const configured = options.carriers
      ? await registerConfiguredCarriers(options.carriers, apiUrl)
      : undefined;
    const carrier: CarrierSim | undefined = configured
      ? undefined
      : await startCarrier({ port: 0, apiUrl, dlrUrl: `${apiUrl}/v1/carriers/sim/dlr` });
    if (carrier?.stop) stops.push(() => (carrier.stop as () => Promise<void>)());
    const awsSms = configured ? undefined : await startLocalAwsSmsCarrier(stage);
    if (awsSms) stops.push(() => awsSms.stop());

    const execution = functionExecution(options);
    let invoke: FunctionInvoker = inProcessInvoker(stage, options.loader);
    let functionWorkers: FunctionWorkers | undefined;
    if (execution === "workers") {
      const workers = startFunctionWorkers({
        stage,
        workersPerFunction:
          options.workersPerFunction ?? Number(process.env.TEXTGATE_LOCAL_WORKERS_PER_FUNCTION ?? 1),
      });
      // Stopped after the gateway, pollers and schedules (stops run in reverse), whose calls it serves.
      stops.push(() => workers.stop());
      invoke = workers.invoke;
      functionWorkers = workers;
    }

    const consumed = Object.values(resources.queues)
      .flatMap(polledQueuesOf)
      .filter(({ id, consumer }) => {
        const fn = catalog.functions.find((f) => f.id === consumer.function);
        if (fn && entryExists(fn)) return true;
        warn(`local: ${consumer.function} (${fn?.entry ?? "not in catalogue"}) missing; ${id} stays queued`);
        return false;
      });
    const pollers = startSqsPollers({
      queues: consumed,
      stage,
      ...(options.pollersPerQueue ? { pollersPerQueue: options.pollersPerQueue } : {}),
      invoke,
    });
    stops.push(() => pollers.stop());

    const sweeper = startTtlSweeper({
      tables: catalog.tables.flatMap((spec) => {
        const name = resources.tables[spec.id];
        return name ? [{ name, spec }] : [];
      }),
      ...(options.ttlSweepSeconds ? { intervalSeconds: options.ttlSweepSeconds } : {}),
    });
    stops.push(() => sweeper.stop());

    // Started after the gateway (it needs the final env); the outbox reads it once it exists.
    let smpp: PlatformSmpp | undefined;
    let schedules: RunningSchedules | undefined;
    if (options.schedules ?? true) {
      const scheduled = catalog.schedules.filter((schedule) => {
        const fn = catalog.functions.find((f) => f.id === schedule.function);
        if (fn && entryExists(fn)) return true;
        warn(
          `local: ${schedule.function} (${fn?.entry ?? "not in catalogue"}) missing; ${schedule.id} not run`,
        );
        return false;
      });
      const running = startSchedules({
        schedules: scheduled,
        stage,
        invoke,
        onError: (message, error) =>
          warn(`local schedules: ${message}: ${error instanceof Error ? error.message : String(error)}`),
      });
      schedules = running;
      stops.push(() => running.stop());
      // One run before ready: the status page has a probe from the first request on.
      await Promise.all(
        scheduled.map((schedule) =>
          running
            .runOnce(schedule.id)
            .catch((error: unknown) =>
              warn(
                `local: first run of ${schedule.id} failed: ${error instanceof Error ? error.message : String(error)}`,
              ),
            ),
        ),
      );
    }

    // Fresh per start, like short-lived IAM credentials: a copy of an old local.json signs nothing.
    const operator: OperatorCredential = {
      accessKeyId: `AKIALOCAL${randomBytes(6).toString("hex").toUpperCase()}`,
      secretAccessKey: randomBytes(30).toString("base64url"),
      arn: `arn:aws:iam::${LOCAL_ACCOUNT_ID}:user/textgate-local-operator`,
    };
    const gateway = await startApiGateway({
      stage,
      operators: [operator],
      port,
      ...(options.throttle ? { throttle: options.throttle } : {}),
      invoke,
      // The simulated carriers' outboxes, newest first (empty with a carriers file).
      outbox: (to: string | undefined) => mergedOutbox([carrier, awsSms, smpp], to),
      mail: (to: string | undefined) => readMailOutbox(mailOutboxPath, to),
    });
    stops.push(() => gateway.stop());

    const outboxUrl = `${gateway.url}/_local/outbox`;
    const env: Record<string, string> = {
      ...emulators.env,
      ...resources.env,
      [envNames.localKeyring]: keyringPath,
      [envNames.localSigningKey]: signingKeyPath,
      [envNames.localMailOutbox]: mailOutboxPath,
      [envNames.localWebhookLoopback]: "1",
      [envNames.invitationUrl]: `${apiUrl}/accept-invitation`,
    };
    smpp = await startPlatformSmpp({
      env,
      warn,
      simulated: (options.smppConnector ?? false) && !configured,
      configured: configured?.smpp ?? [],
    });
    if (smpp) stops.push(() => (smpp as PlatformSmpp).stop());
    writeFileSync(
      join(home, "local.json"),
      `${JSON.stringify({ apiUrl: gateway.url, outboxUrl, mailUrl: `${gateway.url}/_local/mail`, demo: demo ?? null, operator }, null, 2)}\n`,
      { mode: 0o600 },
    );
    let stopped: Promise<void> | undefined;
    return {
      apiUrl: gateway.url,
      outboxUrl,
      demo,
      operator,
      dynamodbEndpoint: emulators.dynamodb.endpoint,
      sqsEndpoint: emulators.sqs.endpoint,
      carrierSimUrl: carrier?.url,
      awsSmsSimUrl: awsSms?.url,
      smppCarriers: configured?.smpp ?? [],
      carrier,
      resources,
      schedules,
      execution,
      functionWorkers,
      env,
      stop: () => {
        stopped ??= stopAll();
        return stopped;
      },
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
