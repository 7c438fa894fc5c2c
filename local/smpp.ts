/**
 * SMPP locally: the carrier simulator's SMSC (TLS, certificate made at start) and the real connector
 * (functions/carriers/smpp/main.ts) as a child process bound to it, so the whole SMPP path — sms-smpp
 * queue → connector → TLS bind → receipts → statuses — runs on `npm start`.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { resolve } from "node:path";
import { createInterface } from "node:readline";
import { envNames } from "../lib/catalog/index.ts";
import type { SmppCarrierEntry as ConfiguredSmppEntry } from "./carrier-config.ts";
import { type SmscHandle, startSmsc } from "./carrier-sim/smsc.ts";
import { projectRoot } from "./lambda-runtime.ts";

export interface LocalSmpp {
  readonly smsc: SmscHandle;
  readonly carrierId: string;
  stop(): Promise<void>;
}

/** Destinations the simulated SMSC serves on `npm start` (aws-sim has +37259, local/carrier.ts). */
export const LOCAL_SMPP_PREFIX = "+37258";
export const LOCAL_SMPP_CARRIER_ID = "smpp-sim";

const PASSWORD_ENV = "TEXTGATE_SMPP_SIM_PASSWORD";
const READY_TIMEOUT_MS = 30_000;

export interface SmppConnectorProcess {
  stop(): Promise<void>;
}

/**
 * Runs functions/carriers/smpp/main.ts as a child process bound to `entries` (connector entries,
 * functions/carriers/smpp/entry.ts). `secrets` maps each passwordEnv name to its value: they reach
 * only the child's environment, never a file or a log line.
 */
export async function startSmppConnectorProcess(options: {
  readonly env: Readonly<Record<string, string>>;
  readonly warn: (line: string) => void;
  readonly entries: readonly Record<string, unknown>[];
  readonly secrets: Readonly<Record<string, string>>;
}): Promise<SmppConnectorProcess> {
  const child: ChildProcess = spawn(
    process.execPath,
    ["--import", "tsx", resolve(projectRoot, "functions/carriers/smpp/main.ts")],
    {
      cwd: projectRoot,
      env: {
        ...process.env,
        ...options.env,
        [envNames.smppCarriers]: JSON.stringify(options.entries),
        ...options.secrets,
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  try {
    await new Promise<void>((ready, failed) => {
      const timer = setTimeout(
        () => failed(new Error("the SMPP connector did not get ready in 30 s")),
        READY_TIMEOUT_MS,
      );
      child.once("exit", (code) => {
        clearTimeout(timer);
        failed(new Error(`the SMPP connector exited (${code}) before it was ready`));
      });
      createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (line) => {
        if (line.startsWith("smpp connector ready")) {
          clearTimeout(timer);
          ready();
        }
      });
      // Its warnings and errors are worth seeing; its info logs are not (the platform is quiet).
      createInterface({ input: child.stderr as NodeJS.ReadableStream }).on("line", (line) => {
        if (!line.includes('"level":"INFO"')) options.warn(`smpp connector: ${line}`);
      });
    });
  } catch (error) {
    child.kill("SIGKILL");
    throw error;
  }
  return {
    stop: async () => {
      if (child.exitCode === null) {
        child.kill("SIGTERM");
        const cut = setTimeout(() => child.kill("SIGKILL"), 5000);
        await exited;
        clearTimeout(cut);
      }
    },
  };
}

/** The simulated SMSC (TLS, certificate made now) and a connector process bound to it. */
export async function startLocalSmpp(options: {
  /** The platform env (AWS endpoints, tables, queues, keyring) the connector needs. */
  readonly env: Readonly<Record<string, string>>;
  readonly warn: (line: string) => void;
  readonly carrierId?: string;
  readonly prefixes?: readonly string[];
}): Promise<LocalSmpp> {
  const carrierId = options.carrierId ?? LOCAL_SMPP_CARRIER_ID;
  const smsc = await startSmsc({ password: randomBytes(12).toString("base64url") });
  const entry = {
    id: carrierId,
    type: "smpp",
    host: smsc.host,
    port: smsc.port,
    tls: true,
    caFile: smsc.caFile,
    systemId: smsc.systemId,
    passwordEnv: PASSWORD_ENV,
    prefixes: options.prefixes ?? [""],
    windowSize: 10,
    tps: 100,
  };
  let connector: SmppConnectorProcess;
  try {
    connector = await startSmppConnectorProcess({
      env: options.env,
      warn: options.warn,
      entries: [entry],
      secrets: { [PASSWORD_ENV]: smsc.password },
    });
  } catch (error) {
    await smsc.stop();
    throw error;
  }
  return {
    smsc,
    carrierId,
    stop: async () => {
      await connector.stop();
      await smsc.stop();
    },
  };
}

/** What a carriers file's SMPP entry becomes for the connector (no password, caFile absolute). */
export function connectorEntryOf(entry: ConfiguredSmppEntry): Record<string, unknown> {
  return {
    id: entry.id,
    type: "smpp",
    host: entry.host,
    port: entry.port,
    tls: entry.tls,
    ...(entry.caFile !== undefined ? { caFile: entry.caFile } : {}),
    systemId: entry.systemId,
    passwordEnv: entry.passwordEnv,
    prefixes: entry.prefixes,
    windowSize: entry.windowSize,
    ...(entry.tps !== undefined ? { tps: entry.tps } : {}),
    allowPlaintext: entry.allowPlaintext,
  };
}

export interface PlatformSmpp {
  /** Whole texts the simulated SMSC received (none when only configured SMSCs are bound). */
  outbox(to?: string): unknown[];
  stop(): Promise<void>;
}

/**
 * SMPP for the local platform. Simulated carriers: the local SMSC serves LOCAL_SMPP_PREFIX and an
 * "smpp" route for it makes the dispatcher hand those messages to the connector. A carriers file:
 * the connector binds to exactly its SMPP entries (their routes are registered with the file).
 */
export async function startPlatformSmpp(options: {
  readonly env: Readonly<Record<string, string>>;
  readonly warn: (line: string) => void;
  readonly simulated: boolean;
  readonly configured: readonly ConfiguredSmppEntry[];
}): Promise<PlatformSmpp | undefined> {
  if (options.configured.length > 0) {
    const connector = await startSmppConnectorProcess({
      env: options.env,
      warn: options.warn,
      entries: options.configured.map(connectorEntryOf),
      secrets: Object.fromEntries(options.configured.map((entry) => [entry.passwordEnv, entry.password])),
    });
    return { outbox: () => [], stop: () => connector.stop() };
  }
  if (!options.simulated) return undefined;
  const smpp = await startLocalSmpp({ env: options.env, warn: options.warn, prefixes: [LOCAL_SMPP_PREFIX] });
  try {
    const { registerCarrier } = await import("../functions/carriers/store.ts");
    await registerCarrier({
      protocol: "smpp",
      carrierId: smpp.carrierId,
      name: "Local SMPP SMSC simulator",
      prefixes: [LOCAL_SMPP_PREFIX],
      priority: 100,
      tls: smpp.smsc.tls,
    });
  } catch (error) {
    await smpp.stop();
    throw error;
  }
  return {
    outbox: (to) =>
      smpp.smsc.delivered(to).map((entry) => ({
        to: entry.destination,
        text: entry.text,
        parts: entry.parts,
        carrier: smpp.carrierId,
      })),
    stop: () => smpp.stop(),
  };
}
