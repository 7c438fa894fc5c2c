/**
 * Spawns bench/pipeline-child.ts in its own process (LOG_LEVEL=INFO, as deployed) with the functions
 * in-process or each in its own worker threads (TEXTGATE_LOCAL_WORKERS), and returns its figures.
 * Shared by run.ts and pipeline-only.ts.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { projectRoot } from "./bundles.ts";
import type { PipelineFigures } from "./run.ts";

export function measurePipeline(options: {
  readonly file: string;
  readonly messages: number;
  readonly carrierLatencyMs: number;
  readonly workers: boolean;
}): PipelineFigures {
  const child = spawnSync(
    process.execPath,
    [
      "--import",
      "tsx",
      join(projectRoot, "bench", "pipeline-child.ts"),
      options.file,
      String(options.messages),
      String(options.carrierLatencyMs),
    ],
    {
      cwd: projectRoot,
      stdio: ["ignore", "ignore", "inherit"],
      env: { ...process.env, LOG_LEVEL: "INFO", TEXTGATE_LOCAL_WORKERS: options.workers ? "1" : "0" },
    },
  );
  if (child.status !== 0)
    throw new Error(
      `pipeline measurement failed (functions ${options.workers ? "in workers" : "in-process"})`,
    );
  return JSON.parse(readFileSync(options.file, "utf8")) as PipelineFigures;
}
