/**
 * Lambda bundles built exactly as the CDK stack builds them (lib/functions-construct.ts
 * bundlingOptions and lib/bundling.ts: esbuild, ESM, node22, minified, AWS SDK bundled but for the
 * credential sources Lambda never uses), their size by package, and
 * their cold init time in a fresh node process relative to a hello-world bundle built the same way.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { build, type Metafile } from "esbuild";
import { ESM_REQUIRE_BANNER, UNUSED_IN_LAMBDA_MODULES } from "../lib/bundling.ts";
import type { FunctionSpec } from "../lib/catalog/index.ts";

export const projectRoot = resolve(import.meta.dirname, "..");
export const outRoot = join(projectRoot, "bench", ".out");

export interface BundleResult {
  readonly id: string;
  readonly file: string;
  readonly bytes: number;
  /** Bytes in the output per npm package ("(project)" for our own code). */
  readonly byPackage: ReadonlyMap<string, number>;
  /** Bytes in the output per input file (paths as esbuild reports them), to see what a bundle carries. */
  readonly byInput: ReadonlyMap<string, number>;
  /** Input files the entry reaches through static imports and require() only: what a cold start evaluates. */
  readonly loadedAtInit: ReadonlySet<string>;
}

/**
 * Follows static edges only: a module reached solely through `import()` is bundled in the same file
 * (esbuild without splitting) but wrapped, and runs when that import() first runs, not at cold start.
 */
function staticallyReachable(metafile: Metafile, entry: string): Set<string> {
  const seen = new Set<string>([entry]);
  const pending = [entry];
  for (let current = pending.pop(); current !== undefined; current = pending.pop()) {
    for (const edge of metafile.inputs[current]?.imports ?? []) {
      if (edge.external || edge.kind === "dynamic-import" || seen.has(edge.path)) continue;
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

export async function bundle(id: string, entry: string, dir = join(outRoot, id)): Promise<BundleResult> {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "index.mjs");
  const result = await build({
    entryPoints: [resolve(projectRoot, entry)],
    outfile: file,
    bundle: true,
    platform: "node",
    target: "node22",
    format: "esm",
    mainFields: ["module", "main"],
    banner: { js: ESM_REQUIRE_BANNER },
    minify: true,
    sourcemap: false,
    external: [...UNUSED_IN_LAMBDA_MODULES],
    tsconfig: join(projectRoot, "tsconfig.json"),
    metafile: true,
    logLevel: "error",
  });
  const byPackage = new Map<string, number>();
  const byInput = new Map<string, number>();
  for (const output of Object.values(result.metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const pkg = packageOf(input);
      byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + bytesInOutput);
      byInput.set(input, (byInput.get(input) ?? 0) + bytesInOutput);
    }
  }
  const entryInput = Object.values(result.metafile.outputs)[0]?.entryPoint ?? "";
  return {
    id,
    file,
    bytes: statSync(file).size,
    byPackage,
    byInput,
    // The import graph lists modules esbuild then tree-shook away; keep those that reach the output.
    loadedAtInit: new Set(
      [...staticallyReachable(result.metafile, entryInput)].filter((input) => (byInput.get(input) ?? 0) > 0),
    ),
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

/** Env a Lambda would have, so modules that read config at import behave as they would there. */
const lambdaLikeEnv = {
  ...process.env,
  AWS_REGION: "eu-central-1",
  AWS_ACCESS_KEY_ID: "AKIDBENCH",
  AWS_SECRET_ACCESS_KEY: "bench",
  AWS_LAMBDA_FUNCTION_NAME: "bench",
  LOG_LEVEL: "ERROR",
};

export interface ColdInit {
  /** Median wall time of `node <bundle>` (process start, import, exit), ms. */
  readonly processMs: number;
  /** Median time of the import itself inside the fresh process, ms. */
  readonly importMs: number;
  readonly error?: string;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

function spawnImport(file: string): { processMs: number; importMs: number; error?: string } {
  const script = `const t=performance.now();await import(${JSON.stringify(`file://${file}`)});process.stdout.write(String(performance.now()-t));`;
  const started = performance.now();
  const run = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
    env: lambdaLikeEnv,
    encoding: "utf8",
  });
  const processMs = performance.now() - started;
  if (run.status !== 0) {
    return {
      processMs,
      importMs: Number.NaN,
      error: run.stderr.split("\n").find((l) => l.includes("Error")) ?? run.stderr.slice(0, 200),
    };
  }
  return { processMs, importMs: Number(run.stdout) };
}

/**
 * Cold init of several bundles, interleaved: round r spawns every bundle once, so a busy moment on
 * a shared machine slows the baseline and the handlers alike instead of skewing one ratio.
 */
export function coldInitAll(files: readonly string[], runs = 10): ColdInit[] {
  const samples = files.map(() => ({
    process: [] as number[],
    imports: [] as number[],
    error: undefined as string | undefined,
  }));
  for (let round = 0; round < runs; round++) {
    files.forEach((file, i) => {
      const sample = samples[i];
      if (!sample || sample.error) return;
      const run = spawnImport(file);
      if (run.error) sample.error = run.error;
      sample.process.push(run.processMs);
      sample.imports.push(run.importMs);
    });
  }
  return samples.map((sample) =>
    sample.error
      ? { processMs: Number.NaN, importMs: Number.NaN, error: sample.error }
      : { processMs: median(sample.process), importMs: median(sample.imports) },
  );
}

/** SDK packages that resolve credentials some other way than Lambda's environment variables. */
export const UNUSED_ON_LAMBDA =
  /^@aws-sdk\/(credential-provider-(?!env$)[\w-]+|token-providers|nested-clients|client-sso|client-sts)$/;
