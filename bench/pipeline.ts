/**
 * Drives the local platform like a customer: starts it in-process (throttles raised unless asked
 * otherwise), sends SMS over HTTP with bounded concurrency, and waits until the carrier simulator
 * reports them delivered. Shared by bench, load and chaos.
 */
import "../tools/quality/quiet.ts";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { OutboxEntry } from "../local/carrier-sim/index.ts";
import { type LocalPlatform, type LocalPlatformOptions, startLocalPlatform } from "../local/platform.ts";

export interface CarrierHandle {
  outbox(to?: string): OutboxEntry[];
  submissionsByReference(): Map<string, number>;
  faults: { failureRate: number; latencyMs: number; failNextSubmissions: number };
}

export interface BenchPlatform {
  readonly platform: LocalPlatform;
  readonly apiKey: string;
  readonly carrier: CarrierHandle;
}

const WIDE_OPEN = { rateLimit: 1_000_000, burstLimit: 1_000_000 };

export async function startBenchPlatform(
  options: LocalPlatformOptions & { realThrottle?: boolean } = {},
): Promise<BenchPlatform> {
  const { realThrottle, ...rest } = options;
  const platform = await startLocalPlatform({
    port: 0,
    home: mkdtempSync(join(tmpdir(), "textgate-bench-")),
    warn: () => {},
    ...(realThrottle ? {} : { throttle: { stage: WIDE_OPEN, usagePlan: WIDE_OPEN } }),
    ...rest,
  });
  const carrier = platform.carrier as unknown as CarrierHandle | undefined;
  if (!platform.demo || !carrier?.submissionsByReference) {
    await platform.stop();
    throw new Error("bench needs the demo account and the carrier simulator (local/carrier-sim)");
  }
  return { platform, apiKey: platform.demo.apiKey, carrier };
}

/** Distinct Estonian mobile numbers that avoid the simulator's magic endings (…0000/…0001/…0002). */
export function recipients(count: number, offset = 0): string[] {
  const out: string[] = [];
  for (let n = 1_000_000 + offset * 7; out.length < count; n += 7) {
    const suffix = n % 10_000;
    if (suffix <= 2) continue;
    out.push(`+3725${n}`);
  }
  return out;
}

export interface SendOutcome {
  readonly to: string;
  readonly status: number;
  readonly id?: string;
  readonly body: string;
  readonly ms: number;
}

export async function sendAll(
  bench: BenchPlatform,
  numbers: readonly string[],
  options: { concurrency?: number; text?: string; idempotencyPrefix?: string } = {},
): Promise<{ outcomes: SendOutcome[]; ms: number }> {
  const outcomes: SendOutcome[] = [];
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < numbers.length) {
      const index = next++;
      const to = numbers[index] as string;
      const t0 = performance.now();
      try {
        const response = await fetch(`${bench.platform.apiUrl}/v1/messages`, {
          method: "POST",
          headers: {
            Authorization: `Bearer ${bench.apiKey}`,
            "Content-Type": "application/json",
            ...(options.idempotencyPrefix
              ? { "Idempotency-Key": `${options.idempotencyPrefix}-${index}` }
              : {}),
          },
          body: JSON.stringify({ to, text: options.text ?? "Your Textgate bench message" }),
        });
        const body = await response.text();
        const id = response.status === 202 ? (JSON.parse(body) as { id?: string }).id : undefined;
        outcomes.push({
          to,
          status: response.status,
          body: body.slice(0, 300),
          ms: performance.now() - t0,
          ...(id ? { id } : {}),
        });
      } catch (error) {
        outcomes.push({ to, status: 0, body: (error as Error).message, ms: performance.now() - t0 });
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 32 }, worker));
  return { outcomes, ms: performance.now() - started };
}

export interface DeliveryProgress {
  readonly submitted: number;
  readonly delivered: number;
  /** ms from `since` until the last awaited message reached the carrier / was delivered (NaN if never). */
  readonly submittedMs: number;
  readonly deliveredMs: number;
}

/** Polls the carrier simulator until every number has a delivered DLR or the timeout passes. */
export async function waitForDelivery(
  bench: BenchPlatform,
  numbers: readonly string[],
  since: number,
  timeoutMs = 120_000,
): Promise<DeliveryProgress> {
  const wanted = new Set(numbers);
  let submittedMs = Number.NaN;
  let deliveredMs = Number.NaN;
  let submitted = 0;
  let delivered = 0;
  while (performance.now() - since < timeoutMs) {
    const seen = new Set<string>();
    const done = new Set<string>();
    for (const entry of bench.carrier.outbox()) {
      if (!wanted.has(entry.to)) continue;
      seen.add(entry.to);
      if (entry.dlrStatus === "delivered") done.add(entry.to);
    }
    submitted = seen.size;
    delivered = done.size;
    if (submitted === wanted.size && Number.isNaN(submittedMs)) submittedMs = performance.now() - since;
    if (delivered === wanted.size) {
      deliveredMs = performance.now() - since;
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { submitted, delivered, submittedMs, deliveredMs };
}

export const countBy = <T>(
  items: readonly T[],
  key: (item: T) => string | number,
): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const item of items) out[key(item)] = (out[key(item)] ?? 0) + 1;
  return out;
};
