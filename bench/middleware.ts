/** Warm overhead of the HTTP middleware chain per request: p50/p99 of chain minus direct call. */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { outRoot, projectRoot } from "./bundles.ts";

export interface MiddlewareOverhead {
  readonly runs: number;
  readonly chainP50: number;
  readonly chainP99: number;
  readonly directP50: number;
  readonly directP99: number;
  readonly overheadP50: number;
  readonly overheadP99: number;
}

export const percentile = (values: readonly number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
};

export function middlewareOverhead(runs = 20000): MiddlewareOverhead {
  const file = join(outRoot, "middleware.json");
  const child = spawnSync(
    process.execPath,
    ["--import", "tsx", join(projectRoot, "bench", "middleware-child.ts"), file, String(runs)],
    {
      cwd: projectRoot,
      stdio: ["ignore", "ignore", "pipe"],
      encoding: "utf8",
      env: { ...process.env, LOG_LEVEL: "INFO" },
    },
  );
  if (child.status !== 0) throw new Error(`middleware bench failed: ${child.stderr.slice(0, 400)}`);
  const { chain, plain } = JSON.parse(readFileSync(file, "utf8")) as { chain: number[]; plain: number[] };
  const chainP50 = percentile(chain, 50);
  const chainP99 = percentile(chain, 99);
  const directP50 = percentile(plain, 50);
  const directP99 = percentile(plain, 99);
  return {
    runs,
    chainP50,
    chainP99,
    directP50,
    directP99,
    overheadP50: chainP50 - directP50,
    overheadP99: chainP99 - directP99,
  };
}
