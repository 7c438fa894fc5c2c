import { auditInput, operatorActor } from "../audit/context.ts";
import type { AuditLog } from "../audit/port.ts";
import type { Clock } from "../shared/clock.ts";
import { DomainError } from "../shared/problem.ts";
// A queue belongs to no one account: dead-letter actions go to the operator log only.
import { OPERATOR_LOG } from "./operator-log.ts";
import type { OperatorCall } from "./ports.ts";

/**
 * Dead letters through the operator API: counts per queue, a peek at the ids they carry, redrive to
 * the work queue and discard. The queues are the catalogue's (each with a DLQ and, where the DLQ has
 * a consumer that parks what it cannot settle, a parked queue).
 *
 * Redrive is receive → send to the work queue → delete, in batches of ten (the SQS maximum). The
 * SQS emulator of the local platform has no StartMessageMoveTask, and this sequence is as correct
 * on AWS: a record whose send succeeded but whose delete failed is redriven twice, which is safe
 * because every consumer is idempotent (the dispatcher claims a message once and asks the carrier
 * after a crash; the webhook sender dedupes deliveries; delivery events are conditional status
 * moves). At-least-once, never lost: a record is deleted only after its copy was accepted.
 */

/** Where dead letters wait: the DLQ (its consumer may still be trying) or the parked queue. */
export type DeadLetterSource = "dlq" | "parked";

/** One dead letter as SQS hands it over. The body stays inside this module: it is never returned. */
export interface ReceivedDeadLetter {
  readonly sqsMessageId: string;
  readonly receiptHandle: string;
  readonly body: string;
  readonly receiveCount: number;
  /** Epoch ms; the original send (SQS keeps it when a record moves to a DLQ). */
  readonly sentAt?: number;
  readonly firstReceivedAt?: number;
}

export interface QueueDepth {
  /** ApproximateNumberOfMessages: waiting to be received. */
  readonly waiting: number;
  /** ApproximateNumberOfMessagesNotVisible: received (by a consumer or an operator) and not yet deleted. */
  readonly inFlight: number;
}

/** The SQS calls dead-letter operations need (dead-letters-sqs.ts on the real queues). */
export interface DeadLetterQueues {
  /** Catalogue queue ids this function may operate, each with whether it has a parked queue. */
  queues(): readonly { readonly queueId: string; readonly parked: boolean }[];
  depth(queueId: string, source: DeadLetterSource): Promise<QueueDepth>;
  /** Up to 10 records, hidden from other receivers for visibilitySeconds. */
  receive(
    queueId: string,
    source: DeadLetterSource,
    visibilitySeconds: number,
  ): Promise<ReceivedDeadLetter[]>;
  /** Makes received records visible again at once (after a peek). */
  release(queueId: string, source: DeadLetterSource, receiptHandles: readonly string[]): Promise<void>;
  /** Sends bodies to the work queue; returns the sqsMessageIds whose copy SQS accepted. */
  sendToWorkQueue(queueId: string, records: readonly ReceivedDeadLetter[]): Promise<ReadonlySet<string>>;
  /** Deletes received records; returns the sqsMessageIds SQS deleted. */
  remove(
    queueId: string,
    source: DeadLetterSource,
    records: readonly ReceivedDeadLetter[],
  ): Promise<ReadonlySet<string>>;
}

export interface DeadLetterDeps {
  readonly deadLetters: DeadLetterQueues;
  readonly audit: AuditLog;
  readonly clock: Clock;
}

/** A redrive or discard call stops taking new batches after this, well inside the 10 s function timeout. */
const CALL_BUDGET_MS = 5_000;
/** Long enough to send and delete a batch; a record not deleted by then simply comes back. */
const MOVE_VISIBILITY_SECONDS = 60;
/** A peek hides records this long at most: they are released as soon as the peek is done. */
const PEEK_VISIBILITY_SECONDS = 30;

function queueOf(deps: DeadLetterDeps, queueId: string, source: DeadLetterSource): void {
  const queue = deps.deadLetters.queues().find((candidate) => candidate.queueId === queueId);
  if (!queue) throw new DomainError("not-found", `No queue ${queueId}`);
  if (source === "parked" && !queue.parked) {
    throw new DomainError("not-found", `Queue ${queueId} has no parked queue`);
  }
}

export interface DeadLetterCounts {
  readonly queue: string;
  readonly deadLetters: QueueDepth;
  readonly parked?: QueueDepth;
}

export async function countDeadLetters(deps: DeadLetterDeps): Promise<DeadLetterCounts[]> {
  return Promise.all(
    deps.deadLetters.queues().map(async ({ queueId, parked }) => {
      const [deadLetters, parkedDepth] = await Promise.all([
        deps.deadLetters.depth(queueId, "dlq"),
        parked ? deps.deadLetters.depth(queueId, "parked") : undefined,
      ]);
      return { queue: queueId, deadLetters, ...(parkedDepth ? { parked: parkedDepth } : {}) };
    }),
  );
}

/** Our prefixed ids (msg_…, acc_…, ver_…): random, so safe to show; anything else in a body is not. */
const SAFE_ID = /^[a-z]{3}_[0-9A-HJKMNP-TV-Z]{26}$/;

/** The ids a record's body carries (top-level fields only), never the body itself. */
export function idsIn(body: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return {};
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return {};
  return Object.fromEntries(
    Object.entries(parsed).filter(
      (entry): entry is [string, string] => typeof entry[1] === "string" && SAFE_ID.test(entry[1]),
    ),
  );
}

export interface DeadLetterView {
  readonly sqsMessageId: string;
  readonly receiveCount: number;
  readonly sentAt?: string;
  readonly firstReceivedAt?: string;
  readonly ids: Record<string, string>;
}

const isoOf = (epochMs: number | undefined) =>
  epochMs === undefined ? {} : { value: new Date(epochMs).toISOString() };

/**
 * Up to `limit` records of a DLQ or parked queue, released right after. A peek is a receive: it
 * adds one to each record's receive count (towards parking, for a DLQ), as the AWS console does.
 */
export async function peekDeadLetters(
  queueId: string,
  request: { readonly source: DeadLetterSource; readonly limit: number },
  deps: DeadLetterDeps,
): Promise<DeadLetterView[]> {
  queueOf(deps, queueId, request.source);
  const seen = new Map<string, ReceivedDeadLetter>();
  try {
    while (seen.size < request.limit) {
      const batch = await deps.deadLetters.receive(queueId, request.source, PEEK_VISIBILITY_SECONDS);
      const fresh = batch.filter((record) => !seen.has(record.sqsMessageId));
      if (fresh.length === 0) break;
      for (const record of fresh) seen.set(record.sqsMessageId, record);
    }
  } finally {
    const handles = [...seen.values()].map((record) => record.receiptHandle);
    if (handles.length > 0) await deps.deadLetters.release(queueId, request.source, handles);
  }
  return [...seen.values()].slice(0, request.limit).map((record) => {
    const sentAt = isoOf(record.sentAt).value;
    const firstReceivedAt = isoOf(record.firstReceivedAt).value;
    return {
      sqsMessageId: record.sqsMessageId,
      receiveCount: record.receiveCount,
      ...(sentAt ? { sentAt } : {}),
      ...(firstReceivedAt ? { firstReceivedAt } : {}),
      ids: idsIn(record.body),
    };
  });
}

export interface MoveRequest {
  readonly source: DeadLetterSource;
  /** Most records this call handles; the CLI calls again while `remaining` is above zero. */
  readonly limit: number;
  readonly reason?: string;
}

export interface MoveResult {
  readonly queue: string;
  readonly source: DeadLetterSource;
  /** Records moved (redrive) or deleted (discard) by this call. */
  readonly count: number;
  /** Records whose move failed this time; they stay where they were and come back within a minute. */
  readonly failed: number;
  /** Approximate records still waiting in the source after this call. */
  readonly remaining: number;
}

async function moveInBatches(
  queueId: string,
  request: MoveRequest,
  deps: DeadLetterDeps,
  handleBatch: (batch: readonly ReceivedDeadLetter[]) => Promise<ReadonlySet<string>>,
): Promise<MoveResult> {
  queueOf(deps, queueId, request.source);
  const started = deps.clock.now().getTime();
  let count = 0;
  let failed = 0;
  while (count + failed < request.limit && deps.clock.now().getTime() - started < CALL_BUDGET_MS) {
    const received = await deps.deadLetters.receive(queueId, request.source, MOVE_VISIBILITY_SECONDS);
    if (received.length === 0) break;
    // Never more than the limit: the rest of the batch is released untouched.
    const batch = received.slice(0, request.limit - count - failed);
    const extra = received.slice(batch.length).map((record) => record.receiptHandle);
    if (extra.length > 0) await deps.deadLetters.release(queueId, request.source, extra);
    const done = await handleBatch(batch);
    count += done.size;
    failed += batch.length - done.size;
  }
  const { waiting } = await deps.deadLetters.depth(queueId, request.source);
  return { queue: queueId, source: request.source, count, failed, remaining: waiting };
}

async function recordInOperatorLog(
  action: string,
  result: MoveResult,
  call: OperatorCall,
  deps: DeadLetterDeps,
): Promise<void> {
  await deps.audit.record(
    auditInput(operatorActor(call.arn), call, {
      accountId: OPERATOR_LOG,
      action,
      outcome: result.failed > 0 ? "failure" : "success",
      target: { type: "queue", id: result.queue },
      details: {
        source: result.source,
        count: result.count,
        failed: result.failed,
        remaining: result.remaining,
        ...(call.reason ? { reason: call.reason } : {}),
      },
    }),
  );
}

/** Moves dead letters back to the work queue (its consumer processes them again). */
export async function redriveDeadLetters(
  queueId: string,
  request: MoveRequest,
  call: OperatorCall,
  deps: DeadLetterDeps,
): Promise<MoveResult> {
  const result = await moveInBatches(queueId, request, deps, async (batch) => {
    const sent = await deps.deadLetters.sendToWorkQueue(queueId, batch);
    const copied = batch.filter((record) => sent.has(record.sqsMessageId));
    // A copy whose original is not deleted now comes back and is redriven again: harmless (above).
    if (copied.length > 0) await deps.deadLetters.remove(queueId, request.source, copied);
    return sent;
  });
  await recordInOperatorLog("deadletters.redriven", result, call, deps);
  return result;
}

/** Deletes dead letters for good (the reason is required and kept in the operator log). */
export async function discardDeadLetters(
  queueId: string,
  request: MoveRequest & { readonly reason: string },
  call: OperatorCall,
  deps: DeadLetterDeps,
): Promise<MoveResult> {
  const result = await moveInBatches(queueId, request, deps, (batch) =>
    deps.deadLetters.remove(queueId, request.source, batch),
  );
  await recordInOperatorLog("deadletters.discarded", result, { ...call, reason: request.reason }, deps);
  return result;
}
