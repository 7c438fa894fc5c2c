/**
 * Summarises a V8 `.cpuprofile` (what `node --cpu-prof` writes): self time per function and per
 * package, optionally cut to a window on the profiler's clock (µs, the monotonic clock that
 * process.hrtime also reads). Self time of a sample = the time until the next sample, as DevTools
 * counts it. No dependencies: the format is plain JSON (nodes with callFrame, samples, timeDeltas).
 */
import { readFileSync } from "node:fs";

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}
interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
}
export interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface SelfTime {
  readonly name: string;
  readonly selfUs: number;
}

export interface ProfileSummary {
  /** Sampled time inside the window, idle included (µs). */
  readonly windowUs: number;
  /** Of which the main thread was busy: everything but `(idle)` (µs). */
  readonly busyUs: number;
  /** True when the window was not inside the profile and every sample was kept. */
  readonly wholeProfile: boolean;
  readonly byFunction: readonly SelfTime[];
  readonly byPackage: readonly SelfTime[];
}

export function readCpuProfile(file: string): CpuProfile {
  const parsed = JSON.parse(readFileSync(file, "utf8")) as Partial<CpuProfile>;
  if (!Array.isArray(parsed.nodes) || !Array.isArray(parsed.samples) || !Array.isArray(parsed.timeDeltas)) {
    throw new Error(`${file} is not a V8 cpuprofile (nodes, samples, timeDeltas)`);
  }
  return {
    nodes: parsed.nodes,
    samples: parsed.samples,
    timeDeltas: parsed.timeDeltas,
    startTime: Number(parsed.startTime),
    endTime: Number(parsed.endTime),
  };
}

/** Where a frame's code lives: a package, a project folder, node's own JavaScript or a V8 pseudo-frame. */
export function packageOf(frame: CallFrame, projectRoot: string): string {
  const { url, functionName } = frame;
  if (!url) return functionName.startsWith("(") ? functionName : "(V8 builtins / native)";
  // node:_http_client, node:events, node:internal/streams: which part of the runtime is busy.
  if (url.startsWith("node:")) return url.split("/").slice(0, 2).join("/");
  const path = url.replace(/^file:\/\//, "");
  const inModules = path.lastIndexOf("/node_modules/");
  if (inModules >= 0) {
    const [first = "", second = ""] = path.slice(inModules + "/node_modules/".length).split("/");
    return first.startsWith("@") ? `${first}/${second}` : first;
  }
  const relative = path.startsWith(`${projectRoot}/`) ? path.slice(projectRoot.length + 1) : path;
  const parts = relative.split("/");
  // functions/<capability>, local/<part>: one level deeper says which part of the pipeline it is.
  return parts.length > 2 ? `${parts[0]}/${parts[1]}` : (parts[0] ?? relative);
}

function functionLabel(frame: CallFrame, projectRoot: string): string {
  const name = frame.functionName || "(anonymous)";
  if (!frame.url) return name;
  const path = frame.url.replace(/^file:\/\//, "");
  const inModules = path.lastIndexOf("/node_modules/");
  const short =
    inModules >= 0
      ? path.slice(inModules + "/node_modules/".length)
      : path.startsWith(`${projectRoot}/`)
        ? path.slice(projectRoot.length + 1)
        : path;
  return `${name} ${short}:${frame.lineNumber + 1}`;
}

const ranked = (totals: Map<string, number>): SelfTime[] =>
  [...totals].map(([name, selfUs]) => ({ name, selfUs })).sort((a, b) => b.selfUs - a.selfUs);

export function summarizeProfile(
  profile: CpuProfile,
  projectRoot: string,
  window?: { start: number; end: number },
): ProfileSummary {
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const inside = window !== undefined && window.start >= profile.startTime && window.end <= profile.endTime;
  const from = inside ? window.start : Number.NEGATIVE_INFINITY;
  const to = inside ? window.end : Number.POSITIVE_INFINITY;
  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  let windowUs = 0;
  let busyUs = 0;
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    at += profile.timeDeltas[i] ?? 0;
    const next = i + 1 < profile.samples.length ? at + (profile.timeDeltas[i + 1] ?? 0) : profile.endTime;
    if (at < from || at >= to) continue;
    const frame = frames.get(profile.samples[i] as number);
    if (!frame) continue;
    const selfUs = Math.max(0, next - at);
    windowUs += selfUs;
    if (frame.functionName === "(idle)") continue;
    busyUs += selfUs;
    const label = functionLabel(frame, projectRoot);
    byFunction.set(label, (byFunction.get(label) ?? 0) + selfUs);
    const pkg = packageOf(frame, projectRoot);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + selfUs);
  }
  return {
    windowUs,
    busyUs,
    wholeProfile: !inside,
    byFunction: ranked(byFunction),
    byPackage: ranked(byPackage),
  };
}
