/**
 * Drives the `textgate` CLI as an operator would (a child process of bin/textgate.mjs against the
 * test platform's local.json), and signs requests to the operator API directly.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { inject } from "vitest";
import { signedFetch } from "../../tools/cli/client.ts";

const launcher = fileURLToPath(new URL("../../bin/textgate.mjs", import.meta.url));

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function textgate(...args: string[]): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [launcher, ...args],
      { env: { ...process.env, TEXTGATE_HOME: inject("textgateHome") }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Runs the CLI with --json and returns the parsed output, failing with its stderr otherwise. */
export async function textgateJson<T = Record<string, unknown>>(...args: string[]): Promise<T> {
  const run = await textgate("--json", ...args);
  if (run.code !== 0) throw new Error(`textgate ${args.join(" ")} exited ${run.code}: ${run.stderr}`);
  return JSON.parse(run.stdout) as T;
}

/** A request to the local gateway signed with the given (default: the platform's) operator keys. */
export function signedAdminRequest(
  method: string,
  path: string,
  options: {
    body?: unknown;
    credentials?: { accessKeyId: string; secretAccessKey: string };
    signingDate?: Date;
  } = {},
): Promise<Response> {
  return signedFetch({
    url: new URL(path, inject("apiUrl")).toString(),
    method,
    service: "execute-api",
    region: "eu-central-1",
    credentials: options.credentials ?? inject("operator"),
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    ...(options.signingDate ? { signingDate: options.signingDate } : {}),
  });
}
