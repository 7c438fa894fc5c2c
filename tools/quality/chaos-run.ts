/**
 * Fault injection over the whole send pipeline, in-process: carrier 503s and timeouts (answers lost
 * after the carrier accepted), DynamoDB throttling (inside the SDK's retry loop), dispatch crashes
 * before and in the middle of a batch, SQS redelivery (short visibility timeout), and on the API
 * side send responses lost after the message was written and enqueues that fail after it (the
 * client retries with its Idempotency-Key). Then it accounts for every accepted message: lost,
 * duplicated at the carrier, dead-lettered and why — and counts carrier submissions per
 * Idempotency-Key (the key travels in the text), because a duplicate made by a retry is a second
 * message with its own id, invisible to a per-id count.
 */
import { ReceiveMessageCommand, SetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import type { SQSEvent } from "aws-lambda";
import { type BenchPlatform, recipients, startBenchPlatform } from "../../bench/pipeline.ts";
import { installSdkMeter } from "../../bench/sdk-meter.ts";
import { importHandler, type LambdaHandler } from "../../local/lambda-runtime.ts";

export interface ChaosOptions {
  readonly messages: number;
  readonly carrierFailureRate: number;
  readonly dynamoThrottleRate: number;
  /** Share of dispatch invocations that crash (half before any work, half after the first half of the batch). */
  readonly crashRate: number;
  /** Share of send invocations whose response is lost after they ran (the gateway answers 5xx). */
  readonly lostResponseRate: number;
  /** Share of enqueues onto the sms-* queues that fail after the message was written (503). */
  readonly enqueueFailureRate: number;
  /** Every `timeoutEverySeconds`, the carrier answers slower than the dispatcher waits, for 1 s. */
  readonly timeoutEverySeconds: number;
  /** Queue visibility timeout during the run: how soon a failed message is redelivered. */
  readonly visibilitySeconds: number;
  /** How long faults stay on after the last message was accepted. */
  readonly faultSeconds: number;
  readonly drainTimeoutSeconds: number;
  readonly log?: (line: string) => void;
}

export interface ChaosReport {
  readonly sent: number;
  readonly accepted: number;
  readonly notAccepted: Readonly<Record<string, number>>;
  readonly finalStatus: Readonly<Record<string, number>>;
  readonly lost: readonly string[];
  /** Settled, not dead-lettered, and not the status its number asks the simulator for: "id (status, expected)". */
  readonly wrongStatus: readonly string[];
  readonly duplicates: number;
  readonly duplicateReferences: readonly string[];
  /** Carrier submissions beyond the first per Idempotency-Key (any message id), and those keys. */
  readonly duplicatesPerKey: number;
  readonly duplicateKeys: readonly string[];
  readonly deadLettered: number;
  /** Dead-lettered although the carrier answers their number (retries ran out: open breakers, faults). */
  readonly deadLetteredAnswerable: number;
  readonly deadLetterReasons: Readonly<Record<string, number>>;
  readonly stuckSent: number;
  readonly injected: {
    readonly dynamoThrottles: number;
    readonly crashes: number;
    readonly timeoutWindows: number;
    readonly lostResponses: number;
    readonly enqueueFailures: number;
  };
  readonly seconds: number;
}

const TERMINAL = new Set(["delivered", "undelivered", "failed", "expired", "cancelled"]);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Special destinations of the carrier simulator: …0000 undelivered DLR, …0001 rejected, …0002 never answers. */
const special = (suffix: number, count: number) =>
  Array.from({ length: count }, (_, i) => `+3725${3_000_000 + (i + 1) * 10_000 + suffix}`);

/**
 * The final status a number must end in unless its message was dead-lettered (retries exhausted):
 * the simulator's …0000 answers undelivered, …0001 rejects (failed), …0002 never answers (only the
 * dead-letter path may settle it, or the carrier's "never received" on the last receive: undefined);
 * every other number is delivered.
 */
export function expectedFinalStatus(to: string): string | undefined {
  const ending = to.slice(-4);
  if (ending === "0000") return "undelivered";
  if (ending === "0001") return "failed";
  if (ending === "0002") return undefined;
  return "delivered";
}

async function postWithRetry(
  bench: BenchPlatform,
  to: string,
  key: string,
): Promise<{ status: number; id?: string }> {
  let last = 0;
  for (let attempt = 0; attempt < 6; attempt++) {
    try {
      const response = await fetch(`${bench.platform.apiUrl}/v1/messages`, {
        method: "POST",
        headers: {
          Authorization: `Bearer ${bench.apiKey}`,
          "Content-Type": "application/json",
          "Idempotency-Key": key,
        },
        // The key in the text lets the carrier's outbox be counted per key, whatever message id it got.
        body: JSON.stringify({ to, text: `Chaos test message ${key}` }),
      });
      const body = await response.text();
      last = response.status;
      if (response.status === 202) return { status: 202, id: (JSON.parse(body) as { id: string }).id };
      // Retry what a well-behaved client retries (same Idempotency-Key): throttling, conflicts in progress, 5xx.
      if (response.status !== 429 && response.status !== 409 && response.status < 500)
        return { status: last };
    } catch {
      last = 0;
    }
    await sleep(200 * 2 ** attempt);
  }
  return { status: last };
}

async function messageStatus(bench: BenchPlatform, id: string): Promise<{ status: string; error?: unknown }> {
  const response = await fetch(`${bench.platform.apiUrl}/v1/messages/${id}`, {
    headers: { Authorization: `Bearer ${bench.apiKey}` },
  });
  if (response.status !== 200) return { status: `http-${response.status}` };
  return (await response.json()) as { status: string; error?: unknown };
}

async function dlqMessageIds(bench: BenchPlatform, sqs: SQSClient): Promise<Set<string>> {
  const ids = new Set<string>();
  // Peeks count as receives: a DLQ record peeked often enough is parked, so look there too.
  const urls = Object.values(bench.platform.resources.queues).flatMap((queue) => [
    queue.dlqUrl,
    ...(queue.parkedUrl ? [queue.parkedUrl] : []),
  ]);
  for (const url of urls) {
    for (let round = 0; round < 200; round++) {
      const out = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MaxNumberOfMessages: 10,
          // A peek, not a take: the dead-letter consumer must still see these records.
          VisibilityTimeout: 0,
          WaitTimeSeconds: 0,
        }),
      );
      if (!out.Messages?.length) break;
      for (const message of out.Messages) {
        try {
          ids.add((JSON.parse(message.Body ?? "{}") as { messageId: string }).messageId);
        } catch {
          ids.add(`unreadable:${message.MessageId}`);
        }
      }
    }
  }
  return ids;
}

/** Accepted carrier submissions per Idempotency-Key of this run, read from the key in each text. */
function submissionsPerKey(bench: BenchPlatform, runId: string): Map<string, number> {
  const keyInText = new RegExp(`chaos-${runId}-[0-9]+`);
  const perKey = new Map<string, number>();
  for (const entry of bench.carrier.outbox()) {
    const key = keyInText.exec(entry.text)?.[0];
    if (key) perKey.set(key, (perKey.get(key) ?? 0) + 1);
  }
  return perKey;
}

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const log = options.log ?? (() => {});
  const meter = installSdkMeter();
  let crashes = 0;
  let lostResponses = 0;
  const loader = async (fn: Parameters<typeof importHandler>[0]): Promise<LambdaHandler> => {
    const real = await importHandler(fn);
    if (fn.id === "send") {
      return async (event, context) => {
        const result = await real(event, context);
        if (faultsOn && Math.random() < options.lostResponseRate) {
          lostResponses += 1;
          throw new Error("chaos: send response lost after the function ran");
        }
        return result;
      };
    }
    if (fn.id !== "dispatch") return real;
    return async (event, context) => {
      const roll = Math.random();
      if (roll < options.crashRate / 2) {
        crashes += 1;
        throw new Error("chaos: dispatch crashed before doing anything");
      }
      if (roll < options.crashRate) {
        crashes += 1;
        const records = (event as SQSEvent).Records;
        await real({ Records: records.slice(0, Math.ceil(records.length / 2)) }, context);
        throw new Error("chaos: dispatch crashed in the middle of its batch");
      }
      return real(event, context);
    };
  };
  let faultsOn = true;
  const bench = await startBenchPlatform({ loader });
  const started = performance.now();
  const sqs = new SQSClient({ endpoint: bench.platform.sqsEndpoint, region: "eu-central-1" });
  let timeoutWindows = 0;
  try {
    for (const queue of Object.values(bench.platform.resources.queues)) {
      await sqs.send(
        new SetQueueAttributesCommand({
          QueueUrl: queue.url,
          Attributes: { VisibilityTimeout: String(options.visibilitySeconds) },
        }),
      );
    }
    bench.carrier.faults.failureRate = options.carrierFailureRate;
    meter.faults.dynamoThrottleRate = options.dynamoThrottleRate;
    meter.faults.smsEnqueueFailureRate = options.enqueueFailureRate;
    const windows = (async () => {
      while (faultsOn) {
        await sleep(options.timeoutEverySeconds * 1000);
        if (!faultsOn) break;
        timeoutWindows += 1;
        bench.carrier.faults.latencyMs = 5000; // > the HTTP adapter's 4 s timeout: accepted, answer lost
        await sleep(1000);
        bench.carrier.faults.latencyMs = 0;
      }
    })();

    const specials = Math.max(1, Math.floor(options.messages * 0.01));
    const numbers = [
      ...recipients(options.messages - 3 * specials, 500_000),
      ...special(0, specials),
      ...special(1, specials),
      ...special(2, specials),
    ];
    log(
      `chaos: sending ${numbers.length} messages (${specials} each to undelivered/rejecting/silent numbers)`,
    );
    const accepted: string[] = [];
    const recipientOf = new Map<string, string>();
    const notAccepted: Record<string, number> = {};
    let next = 0;
    const runId = Date.now().toString(36);
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < numbers.length) {
          const index = next++;
          const result = await postWithRetry(bench, numbers[index] as string, `chaos-${runId}-${index}`);
          if (result.id) {
            accepted.push(result.id);
            recipientOf.set(result.id, numbers[index] as string);
          } else notAccepted[result.status] = (notAccepted[result.status] ?? 0) + 1;
        }
      }),
    );
    log(`chaos: ${accepted.length} accepted; faults stay on for ${options.faultSeconds} s`);
    await sleep(options.faultSeconds * 1000);
    faultsOn = false;
    meter.faults.dynamoThrottleRate = 0;
    meter.faults.smsEnqueueFailureRate = 0;
    bench.carrier.faults.failureRate = 0;
    bench.carrier.faults.latencyMs = 0;
    await windows;
    log("chaos: faults off; draining");

    const status = new Map<string, { status: string; error?: unknown }>();
    // What the dead-letter consumer settled (it empties the DLQs, so peeking them misses these).
    const settledByDeadLetters = (id: string): boolean =>
      (status.get(id)?.error as { code?: string } | undefined)?.code === "dispatch-failed";
    const deadLettered = (id: string): boolean => dlq.has(id) || settledByDeadLetters(id);
    const deadline = performance.now() + options.drainTimeoutSeconds * 1000;
    let dlq = new Set<string>();
    for (;;) {
      const open = accepted.filter((id) => !TERMINAL.has(status.get(id)?.status ?? "") && !dlq.has(id));
      let cursor = 0;
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          while (cursor < open.length) {
            const id = open[cursor++] as string;
            status.set(id, await messageStatus(bench, id));
          }
        }),
      );
      dlq = new Set([...dlq, ...(await dlqMessageIds(bench, sqs))]);
      const pending = accepted.filter((id) => !TERMINAL.has(status.get(id)?.status ?? "") && !dlq.has(id));
      const onlyAwaitingDlr = pending.every((id) => status.get(id)?.status === "sent");
      log(
        `  ${pending.length} not final yet${onlyAwaitingDlr && pending.length ? " (all sent, awaiting DLR)" : ""}`,
      );
      if (pending.length === 0 || performance.now() > deadline) break;
      await sleep(3000);
    }

    const submissions = bench.carrier.submissionsByReference();
    const duplicateReferences = [...submissions].filter(([, n]) => n > 1).map(([ref]) => ref);
    const perKey = submissionsPerKey(bench, runId);
    const duplicateKeys = [...perKey].filter(([, n]) => n > 1).map(([key]) => key);
    const finalStatus: Record<string, number> = {};
    const deadLetterReasons: Record<string, number> = {};
    const lost: string[] = [];
    const wrongStatus: string[] = [];
    let deadLetteredAnswerable = 0;
    let stuckSent = 0;
    for (const id of accepted) {
      const s = status.get(id)?.status ?? "unknown";
      finalStatus[s] = (finalStatus[s] ?? 0) + 1;
      if (deadLettered(id)) {
        const error = status.get(id)?.error as { code?: string; message?: string } | undefined;
        const reason = error?.code ?? error?.message ?? `status ${s}`;
        deadLetterReasons[reason] = (deadLetterReasons[reason] ?? 0) + 1;
        if (expectedFinalStatus(recipientOf.get(id) ?? "") !== undefined) deadLetteredAnswerable += 1;
      } else if (TERMINAL.has(s)) {
        const expected = expectedFinalStatus(recipientOf.get(id) ?? "");
        const code = (status.get(id)?.error as { code?: string } | undefined)?.code;
        // A number that never answers may also end "failed" on the carrier's own word: on the last
        // receive the dispatcher asks the carrier, and "never received" (its submit hung and timed out)
        // settles it as carrier-unavailable instead of handing it to the dead-letter path.
        const settledOnTheCarriersWord =
          expected === undefined && s === "failed" && code === "carrier-unavailable";
        if (s !== expected && !settledOnTheCarriersWord)
          wrongStatus.push(`${id} (${s}${code ? ` ${code}` : ""}, expected ${expected ?? "dead-lettered"})`);
      } else {
        // Reached the carrier but its delivery report never landed: not lost, but its status is stale.
        if (s === "sent" && submissions.has(id)) stuckSent += 1;
        else lost.push(`${id} (${s})`);
      }
    }
    return {
      sent: numbers.length,
      accepted: accepted.length,
      notAccepted,
      finalStatus,
      lost,
      wrongStatus,
      duplicates: duplicateReferences.reduce((sum, ref) => sum + (submissions.get(ref) ?? 1) - 1, 0),
      duplicateReferences,
      duplicatesPerKey: duplicateKeys.reduce((sum, key) => sum + (perKey.get(key) ?? 1) - 1, 0),
      duplicateKeys,
      deadLettered: accepted.filter(deadLettered).length,
      deadLetteredAnswerable,
      deadLetterReasons,
      stuckSent,
      injected: {
        dynamoThrottles: meter.injected,
        crashes,
        timeoutWindows,
        lostResponses,
        enqueueFailures: meter.injectedEnqueueFailures,
      },
      seconds: Math.round((performance.now() - started) / 1000),
    };
  } finally {
    faultsOn = false;
    meter.uninstall();
    sqs.destroy();
    await bench.platform.stop();
  }
}
