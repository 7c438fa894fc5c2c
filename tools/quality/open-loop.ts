/**
 * An open-loop load generator: request i is due at start + i / rate whatever happened to the earlier
 * ones, so the offered rate holds while the server slows down, and each latency is measured from the
 * time the request was DUE (a request the client sent late still counts its wait). A closed loop
 * (autocannon: one request per connection at a time) sends less when answers slow down and reports
 * the latency of the requests it did send; autocannon 9 also "corrects" coordinated omission with a
 * 1 ms expected interval, which adds a synthetic sample for every millisecond of every answer.
 * Like k6's constant-arrival-rate, a request that falls due while `maxInFlight` are still waiting is
 * not sent but counted as dropped: an overloaded server is reported, not buried under a backlog.
 */

export interface LoadSample {
  /** HTTP status; 0 when no answer came (network error or timeout). */
  readonly status: number;
  /** From the time the request was due to its answer. */
  readonly latencyMs: number;
  /** How late the client sent it (event-loop lag on a busy machine). */
  readonly sendLagMs: number;
  /** From the start of the run to the answer. */
  readonly answeredAtMs: number;
  readonly error?: string;
}

export interface OpenLoopRun {
  readonly samples: readonly LoadSample[];
  /** Requests not sent because `maxInFlight` were waiting for an answer when they fell due. */
  readonly dropped: number;
  /** From the start until the last answer. */
  readonly elapsedMs: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface OpenLoopOptions {
  readonly rate: number;
  readonly seconds: number;
  readonly maxInFlight: number;
  /** Sends request `index`; resolves to its HTTP status. */
  readonly send: (index: number) => Promise<number>;
}

/** Sends `rate × seconds` requests on schedule (or drops them, see above). */
export async function runOpenLoop(options: OpenLoopOptions): Promise<OpenLoopRun> {
  const { rate, seconds, maxInFlight, send } = options;
  const total = Math.round(rate * seconds);
  const intervalMs = 1000 / rate;
  const started = performance.now();
  const pending: Promise<LoadSample>[] = [];
  let inFlight = 0;
  let dropped = 0;
  const fire = (index: number): Promise<LoadSample> => {
    inFlight += 1;
    const dueAt = started + index * intervalMs;
    const sentAt = performance.now();
    const answer = (status: number, error?: string): LoadSample => {
      inFlight -= 1;
      const now = performance.now();
      return {
        status,
        latencyMs: now - dueAt,
        sendLagMs: sentAt - dueAt,
        answeredAtMs: now - started,
        ...(error ? { error } : {}),
      };
    };
    return send(index).then(
      (status) => answer(status),
      (error: unknown) => answer(0, error instanceof Error ? error.message : String(error)),
    );
  };
  for (let index = 0; index < total; ) {
    const due = Math.min(total, Math.floor((performance.now() - started) / intervalMs) + 1);
    for (; index < due; index++) {
      if (inFlight < maxInFlight) pending.push(fire(index));
      else dropped += 1;
    }
    if (index < total) await sleep(Math.max(0, started + index * intervalMs - performance.now()));
  }
  const samples = await Promise.all(pending);
  return { samples, dropped, elapsedMs: samples.reduce((latest, s) => Math.max(latest, s.answeredAtMs), 0) };
}

/** Nearest-rank percentile of `values` (NaN when there are none). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] as number;
}

export interface LoadSummary {
  readonly offeredRate: number;
  readonly sent: number;
  readonly dropped: number;
  readonly byStatus: Readonly<Record<string, number>>;
  /** Answers with the status asked for (202), per second from the start to the last answer. */
  readonly achievedRate: number;
  readonly latencyMs: {
    readonly p50: number;
    readonly p90: number;
    readonly p99: number;
    readonly max: number;
  };
  readonly sendLagP99Ms: number;
  readonly noAnswer: number;
}

/** Figures of a run: latency percentiles over the answers with `okStatus`, each counted once. */
export function summarizeLoad(run: OpenLoopRun, offeredRate: number, okStatus = 202): LoadSummary {
  const byStatus: Record<string, number> = {};
  for (const sample of run.samples) {
    const key = sample.status === 0 ? "no answer" : String(sample.status);
    byStatus[key] = (byStatus[key] ?? 0) + 1;
  }
  const ok = run.samples.filter((s) => s.status === okStatus).map((s) => s.latencyMs);
  return {
    offeredRate,
    sent: run.samples.length,
    dropped: run.dropped,
    byStatus,
    achievedRate: run.elapsedMs > 0 ? (ok.length * 1000) / run.elapsedMs : 0,
    latencyMs: {
      p50: percentile(ok, 50),
      p90: percentile(ok, 90),
      p99: percentile(ok, 99),
      max: percentile(ok, 100),
    },
    sendLagP99Ms: percentile(
      run.samples.map((s) => s.sendLagMs),
      99,
    ),
    noAnswer: byStatus["no answer"] ?? 0,
  };
}
