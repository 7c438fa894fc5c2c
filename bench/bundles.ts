/**
 * Lambda bundles built exactly as the CDK stack builds them (lib/bundling.ts functionBuildOptions:
 * esbuild, ESM, node22, minified, code splitting, AWS SDK bundled but for the credential sources
 * Lambda never uses), their size by package, and their cold init time in a fresh node process
 * relative to a hello-world bundle built the same way.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { build, type Metafile } from "esbuild";
import { functionBuildOptions, HANDLER_FILE } from "../lib/bundling.ts";
import { envNames } from "../lib/catalog/env.ts";
import type { FunctionSpec } from "../lib/catalog/index.ts";

export const projectRoot = resolve(import.meta.dirname, "..");
export const outRoot = join(projectRoot, "bench", ".out");

/** The module functions/shared/crypto.ts import()s on the first encrypt or decrypt. */
export const ENCRYPTION_SDK_MODULE = "functions/shared/encryption-sdk.ts";

export interface BundleResult {
  readonly id: string;
  /** index.mjs, the handler file. */
  readonly file: string;
  /** What a cold start reads and evaluates: index.mjs and the chunks it imports statically. */
  readonly mainBytes: number;
  /** Files only an import() reaches, read when that import() first runs (Encryption SDK included). */
  readonly lazyBytes: number;
  /** The file crypto.ts's import() loads, and the bytes only that import reads (its own chunks too). */
  readonly encryptionSdk?: { readonly file: string; readonly bytes: number };
  /** Bytes of the cold-start files per npm package ("(project)" for our own code). */
  readonly byPackage: ReadonlyMap<string, number>;
  /** Bytes in all output files per input file (paths as esbuild reports them), to see what a bundle carries. */
  readonly byInput: ReadonlyMap<string, number>;
  /** Input files in the cold-start files: what a cold start reads and evaluates. */
  readonly loadedAtInit: ReadonlySet<string>;
}

/** Output files `from` reaches through static imports (itself included): what loading it reads. */
function staticClosure(metafile: Metafile, from: string): Set<string> {
  const seen = new Set<string>([from]);
  const pending = [from];
  for (let current = pending.pop(); current !== undefined; current = pending.pop()) {
    for (const edge of metafile.outputs[current]?.imports ?? []) {
      if (edge.external || edge.kind !== "import-statement" || seen.has(edge.path)) continue;
      seen.add(edge.path);
      pending.push(edge.path);
    }
  }
  return seen;
}

function packageOf(input: string): string {
  const at = input.lastIndexOf("node_modules/");
  if (at < 0) return "(project)";
  const [first = "", second = ""] = input.slice(at + "node_modules/".length).split("/");
  return first.startsWith("@") ? `${first}/${second}` : first;
}

const sumBytes = (metafile: Metafile, outputs: Iterable<string>): number =>
  [...outputs].reduce((sum, output) => sum + (metafile.outputs[output]?.bytes ?? 0), 0);

export async function bundle(id: string, entry: string, dir = join(outRoot, id)): Promise<BundleResult> {
  // A clean directory: chunk names carry a content hash, stale ones from an earlier build would stay.
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const { metafile } = await build({
    ...functionBuildOptions(projectRoot, entry, dir),
    metafile: true,
    logLevel: "error",
  });
  const entryPath = resolve(projectRoot, entry);
  const indexOutput = Object.entries(metafile.outputs).find(
    ([, output]) => output.entryPoint !== undefined && resolve(output.entryPoint) === entryPath,
  )?.[0];
  if (!indexOutput) throw new Error(`bundle ${id}: esbuild wrote no ${HANDLER_FILE} for ${entry}`);
  const main = staticClosure(metafile, indexOutput);
  const byPackage = new Map<string, number>();
  const byInput = new Map<string, number>();
  const loadedAtInit = new Set<string>();
  for (const [output, { inputs }] of Object.entries(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(inputs)) {
      byInput.set(input, (byInput.get(input) ?? 0) + bytesInOutput);
      if (!main.has(output) || bytesInOutput === 0) continue;
      byPackage.set(packageOf(input), (byPackage.get(packageOf(input)) ?? 0) + bytesInOutput);
      loadedAtInit.add(input);
    }
  }
  const sdkOutput = Object.entries(metafile.outputs).find(([, output]) =>
    output.entryPoint?.endsWith(ENCRYPTION_SDK_MODULE),
  )?.[0];
  const mainBytes = sumBytes(metafile, main);
  return {
    id,
    file: join(dir, HANDLER_FILE),
    mainBytes,
    lazyBytes: sumBytes(metafile, Object.keys(metafile.outputs)) - mainBytes,
    ...(sdkOutput
      ? {
          encryptionSdk: {
            file: resolve(process.cwd(), sdkOutput),
            bytes: sumBytes(
              metafile,
              [...staticClosure(metafile, sdkOutput)].filter((output) => !main.has(output)),
            ),
          },
        }
      : {}),
    byPackage,
    byInput,
    loadedAtInit,
  };
}

export async function helloWorldBundle(): Promise<BundleResult> {
  const dir = join(outRoot, "_hello-src");
  mkdirSync(dir, { recursive: true });
  const entry = join(dir, "hello.ts");
  writeFileSync(entry, 'export const handler = async () => ({ statusCode: 200, body: "hello" });\n');
  return bundle("_hello", entry);
}

export const bundleFor = (fn: FunctionSpec): Promise<BundleResult> => bundle(fn.id, fn.entry);

/** A raw AES key file for the first-encrypt figure (the local platform's keyring, not KMS). */
function benchKeyringFile(): string {
  mkdirSync(outRoot, { recursive: true });
  const file = join(outRoot, "bench-keyring.bin");
  writeFileSync(file, randomBytes(32));
  return file;
}

/** Env a Lambda would have, so modules that read config at import behave as they would there. */
const lambdaLikeEnv = (): NodeJS.ProcessEnv => ({
  ...process.env,
  AWS_REGION: "eu-central-1",
  AWS_ACCESS_KEY_ID: "AKIDBENCH",
  AWS_SECRET_ACCESS_KEY: "bench",
  AWS_LAMBDA_FUNCTION_NAME: "bench",
  LOG_LEVEL: "ERROR",
  [envNames.localKeyring]: benchKeyringFile(),
});

export interface ColdInit {
  /** Median wall time of `node <bundle>` (process start, import of index.mjs, exit), ms. */
  readonly processMs: number;
  /** Median time of the import of index.mjs itself inside the fresh process, ms. */
  readonly importMs: number;
  /**
   * Median time, right after that import in a fresh process, of the first field encryption: the
   * import() of the Encryption SDK file plus one encrypt with a raw AES keyring (on AWS a KMS
   * GenerateDataKey round trip comes on top). Absent for bundles without the SDK.
   */
  readonly firstEncryptMs?: number;
  readonly error?: string;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

interface Spawned {
  processMs: number;
  importMs: number;
  firstEncryptMs?: number;
  error?: string;
}

/** Imports index.mjs in a fresh node; with `sdkFile`, then encrypts once through that file. */
function spawnImport(file: string, env: NodeJS.ProcessEnv, sdkFile?: string): Spawned {
  const url = (path: string) => JSON.stringify(`file://${path}`);
  const encrypt = sdkFile
    ? `const e=performance.now();const sdk=await import(${url(sdkFile)});await sdk.createFieldCipher(sdk.keyringFromEnv()).encrypt("+37255501234",{accountId:"acc_bench",field:"to"});r.firstEncryptMs=performance.now()-e;`
    : "";
  const script = `const t=performance.now();await import(${url(file)});const r={importMs:performance.now()-t};${encrypt}process.stdout.write(JSON.stringify(r));`;
  const started = performance.now();
  const run = spawnSync(process.execPath, ["--input-type=module", "-e", script], { env, encoding: "utf8" });
  const processMs = performance.now() - started;
  if (run.status !== 0) {
    return {
      processMs,
      importMs: Number.NaN,
      error: run.stderr.split("\n").find((l) => l.includes("Error")) ?? run.stderr.slice(0, 200),
    };
  }
  const figures = JSON.parse(run.stdout) as { importMs: number; firstEncryptMs?: number };
  return { processMs, ...figures };
}

/**
 * Cold init of several bundles, interleaved: round r spawns every bundle once, so a busy moment on
 * a shared machine slows the baseline and the handlers alike instead of skewing one ratio. The
 * first encrypt is timed in a process of its own, so the cold process figure stays index.mjs alone.
 */
export function coldInitAll(bundles: readonly BundleResult[], runs = 10): ColdInit[] {
  const env = lambdaLikeEnv();
  const samples = bundles.map(() => ({
    process: [] as number[],
    imports: [] as number[],
    encrypts: [] as number[],
    error: undefined as string | undefined,
  }));
  for (let round = 0; round < runs; round++) {
    bundles.forEach((bundle, i) => {
      const sample = samples[i];
      if (!sample || sample.error) return;
      const cold = spawnImport(bundle.file, env);
      const encrypted = bundle.encryptionSdk
        ? spawnImport(bundle.file, env, bundle.encryptionSdk.file)
        : undefined;
      sample.error = cold.error ?? encrypted?.error;
      sample.process.push(cold.processMs);
      sample.imports.push(cold.importMs);
      if (encrypted?.firstEncryptMs !== undefined) sample.encrypts.push(encrypted.firstEncryptMs);
    });
  }
  return samples.map((sample) =>
    sample.error
      ? { processMs: Number.NaN, importMs: Number.NaN, error: sample.error }
      : {
          processMs: median(sample.process),
          importMs: median(sample.imports),
          ...(sample.encrypts.length > 0 ? { firstEncryptMs: median(sample.encrypts) } : {}),
        },
  );
}

/** SDK packages that resolve credentials some other way than Lambda's environment variables. */
export const UNUSED_ON_LAMBDA =
  /^@aws-sdk\/(credential-provider-(?!env$)[\w-]+|token-providers|nested-clients|client-sso|client-sts)$/;
