/**
 * Issue 14 "hot path CPU": runs bench/pipeline-child.ts under `node --cpu-prof` and summarises the
 * main thread's profile over the measured window only (start-up and warm-up cut off), per accepted
 * SMS. DynamoDB Local is a java child process and is not in the profile; fauxqs (SQS), the gateway,
 * the functions, the pollers and the carrier simulator all are.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { outRoot, projectRoot } from "./bundles.ts";
import { type ProfileSummary, readCpuProfile, summarizeProfile } from "./profile-summary.ts";
import type { PipelineFigures } from "./run.ts";

export interface CpuProfileFigures {
  readonly pipeline: PipelineFigures;
  readonly summary: ProfileSummary;
  readonly profileFile: string;
}

export function profilePipeline(messages: number, carrierLatencyMs = 50): CpuProfileFigures {
  const dir = join(outRoot, "cpu-profile");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const figuresFile = join(outRoot, "pipeline-profiled.json");
  const child = spawnSync(
    process.execPath,
    [
      "--cpu-prof",
      `--cpu-prof-dir=${dir}`,
      "--import",
      "tsx",
      join(projectRoot, "bench", "pipeline-child.ts"),
      figuresFile,
      String(messages),
      String(carrierLatencyMs),
    ],
    {
      cwd: projectRoot,
      stdio: ["ignore", "ignore", "inherit"],
      // In-process: this section reads the one busy thread that runs the whole platform.
      env: { ...process.env, LOG_LEVEL: "INFO", TEXTGATE_LOCAL_WORKERS: "0" },
    },
  );
  if (child.status !== 0) throw new Error(`profiled pipeline run failed (exit ${child.status})`);
  const pipeline = JSON.parse(readFileSync(figuresFile, "utf8")) as PipelineFigures;
  // One profile per thread (tsx's loader runs on its own, mostly idle): the main thread is the busiest.
  const profiles = readdirSync(dir)
    .filter((name) => name.endsWith(".cpuprofile"))
    .map((name) => ({
      file: join(dir, name),
      summary: summarizeProfile(readCpuProfile(join(dir, name)), projectRoot, pipeline.windowUs),
    }))
    .sort((a, b) => b.summary.busyUs - a.summary.busyUs);
  const main = profiles[0];
  if (!main) throw new Error(`no .cpuprofile written in ${dir}`);
  return { pipeline, summary: main.summary, profileFile: main.file };
}
