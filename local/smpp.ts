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
import { type SmscHandle, startSmsc } from "./carrier-sim/smsc.ts";
import { projectRoot } from "./lambda-runtime.ts";

export interface LocalSmpp {
  readonly smsc: SmscHandle;
  readonly carrierId: string;
  stop(): Promise<void>;
}

const PASSWORD_ENV = "TEXTGATE_SMPP_SIM_PASSWORD";
const READY_TIMEOUT_MS = 30_000;

export async function startLocalSmpp(options: {
  /** The platform env (AWS endpoints, tables, queues, keyring) the connector needs. */
  readonly env: Readonly<Record<string, string>>;
  readonly warn: (line: string) => void;
  readonly carrierId?: string;
  readonly prefixes?: readonly string[];
}): Promise<LocalSmpp> {
  const carrierId = options.carrierId ?? "smpp-sim";
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
  const child: ChildProcess = spawn(
    process.execPath,
    ["--import", "tsx", resolve(projectRoot, "functions/carriers/smpp/main.ts")],
    {
      cwd: projectRoot,
      env: {
        ...process.env,
        ...options.env,
        [envNames.smppCarriers]: JSON.stringify([entry]),
        [PASSWORD_ENV]: smsc.password,
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
    await smsc.stop();
    throw error;
  }
  return {
    smsc,
    carrierId,
    stop: async () => {
      if (child.exitCode === null) {
        child.kill("SIGTERM");
        const cut = setTimeout(() => child.kill("SIGKILL"), 5000);
        await exited;
        clearTimeout(cut);
      }
      await smsc.stop();
    },
  };
}
