/**
 * `textgate dlq list|show|redrive|discard`: dead letters of the catalogue's queues through the
 * operator API. Redrive and discard go in calls of at most 100 records (the API's per-call bound)
 * until nothing is left, with one progress line per call on a terminal.
 */
import type { Command } from "commander";
import type { AdminClient } from "./client.ts";
import { CliError, exitCodes } from "./errors.ts";
import { table } from "./output.ts";

export interface DeadLetterCommandDeps {
  readonly client: () => Promise<AdminClient>;
  readonly print: (result: unknown, human: (value: never) => string) => void;
  readonly positiveInt: (value: string) => number;
}

interface Depth {
  waiting: number;
  inFlight: number;
}
interface QueueCounts {
  queue: string;
  deadLetters: Depth;
  parked?: Depth;
}
interface MoveResult {
  queue: string;
  source: "dlq" | "parked";
  count: number;
  failed: number;
  remaining: number;
}

const PER_CALL = 100;
const path = (queue: string, action = "") =>
  `/v1/admin/dead-letters/${encodeURIComponent(queue)}${action ? `/${action}` : ""}`;
const sourceOf = (options: { parked?: boolean }) => (options.parked ? "parked" : "dlq");

function progress(line: string): void {
  // Only on a terminal: pipes and --json output stay clean.
  if (process.stderr.isTTY) process.stderr.write(`${line}\n`);
}

/** Calls redrive/discard until the source is empty, `max` is reached or a call moves nothing. */
async function moveAll(
  api: AdminClient,
  queue: string,
  action: "redrive" | "discard",
  body: { source: string; reason?: string },
  max: number | undefined,
): Promise<MoveResult> {
  const total: MoveResult = {
    queue,
    source: body.source as MoveResult["source"],
    count: 0,
    failed: 0,
    remaining: 0,
  };
  for (;;) {
    const limit = Math.min(PER_CALL, max === undefined ? PER_CALL : max - total.count);
    const result = await api.call<MoveResult>("POST", path(queue, action), { ...body, limit });
    total.count += result.count;
    total.failed += result.failed;
    total.remaining = result.remaining;
    progress(`${action}: ${total.count} done, ${total.failed} failed, about ${result.remaining} left`);
    const reachedMax = max !== undefined && total.count >= max;
    if (result.count === 0 || result.remaining === 0 || reachedMax) return total;
  }
}

export function registerDeadLetterCommands(program: Command, deps: DeadLetterCommandDeps): void {
  const dlq = program.command("dlq").description("Dead letters: list, show, redrive, discard (by queue)");

  dlq
    .command("list")
    .description("Dead-letter and parked counts of every queue")
    .action(async () => {
      const result = await (await deps.client()).call<{ queues: QueueCounts[] }>(
        "GET",
        "/v1/admin/dead-letters",
      );
      deps.print(result, (value: { queues: QueueCounts[] }) =>
        table(
          value.queues.map((row) => ({
            queue: row.queue,
            dlq: row.deadLetters.waiting,
            dlqInFlight: row.deadLetters.inFlight,
            parked: row.parked?.waiting,
            parkedInFlight: row.parked?.inFlight,
          })),
          ["queue", "dlq", "dlqInFlight", "parked", "parkedInFlight"],
        ),
      );
    });

  dlq
    .command("show <queue>")
    .description("Peek at dead letters: ids and receive counts, never bodies (a peek counts as a receive)")
    .option("--parked", "the parked queue instead of the DLQ")
    .option("--limit <n>", "records to show (at most 50)", deps.positiveInt, 10)
    .action(async (queue: string, options: { parked?: boolean; limit: number }) => {
      const query = new URLSearchParams({ source: sourceOf(options), limit: String(options.limit) });
      const result = await (await deps.client()).call<{ records: Record<string, unknown>[] }>(
        "GET",
        `${path(queue)}?${query}`,
      );
      deps.print(result, (value: { records: Record<string, unknown>[] }) =>
        table(value.records, ["sqsMessageId", "receiveCount", "sentAt", "firstReceivedAt", "ids"]),
      );
    });

  const moveCommand = (action: "redrive" | "discard", description: string) =>
    dlq
      .command(`${action} <queue>`)
      .description(description)
      .option("--parked", "from the parked queue instead of the DLQ")
      .option("--max <n>", "stop after this many records (default: all)", deps.positiveInt);

  const run = async (
    queue: string,
    action: "redrive" | "discard",
    options: { parked?: boolean; max?: number; reason?: string },
  ) => {
    const body = { source: sourceOf(options), ...(options.reason ? { reason: options.reason } : {}) };
    const total = await moveAll(await deps.client(), queue, action, body, options.max);
    const verb = action === "redrive" ? "moved back to" : "deleted from";
    deps.print(
      total,
      (value: MoveResult) =>
        `${value.count} record(s) ${verb} ${value.queue} (${value.source}); about ${value.remaining} left.`,
    );
    if (total.failed > 0) {
      throw new CliError(
        `${total.failed} record(s) could not be handled; run it again`,
        exitCodes.unavailable,
      );
    }
  };

  moveCommand("redrive", "Move dead letters back to the work queue (consumers are idempotent)")
    .option("--reason <text>", "why (kept in the operator log)")
    .action((queue: string, options) => run(queue, "redrive", options));

  moveCommand("discard", "Delete dead letters for good")
    .requiredOption("--reason <text>", "why (required; kept in the operator log)")
    .action((queue: string, options) => run(queue, "discard", options));
}
