/**
 * One way for the run tools (fuzz, load, chaos, smpp chaos) to end: a one-line verdict
 * (`<tool>: ok` or `<tool>: FAILED — <problems>`) and the exit code that goes with it, also when
 * the run itself crashed. `npm run verify:runs` reads that last line.
 */

export function verdictLine(tool: string, problems: readonly string[]): string {
  return problems.length === 0 ? `${tool}: ok` : `${tool}: FAILED — ${problems.join("; ")}`;
}

/** Runs `main` (it returns the problems it found), prints the verdict and exits with 0 or 1. */
export async function runTool(tool: string, main: () => Promise<readonly string[]>): Promise<never> {
  let problems: readonly string[];
  try {
    problems = await main();
  } catch (error) {
    console.error(error);
    problems = [`the run crashed: ${error instanceof Error ? error.message : String(error)}`];
  }
  console.log(verdictLine(tool, problems));
  process.exit(problems.length === 0 ? 0 : 1);
}

export interface ChaosAccounting {
  readonly sent: number;
  readonly accepted: number;
  readonly lost: readonly unknown[];
  readonly duplicates: number;
  readonly duplicatesPerKey: number;
  readonly wrongStatus: readonly unknown[];
  /** Dead-lettered although their number is answered (only the never-answering numbers should be). */
  readonly deadLetteredAnswerable?: number;
}

/**
 * Injected faults may, rarely, use up a message's receives (5) before it gets through; past this
 * share of the accepted messages, dead-lettering is what the run found, not bad luck. Runs on a quiet
 * machine dead-letter none (1,000 on 2026-11-26, 500 and 300 on 2026-12-01); a starved one
 * (load 12 on 2 cores) dead-lettered 252 of 500 behind open circuit breakers.
 */
export const DEAD_LETTER_TOLERANCE = 0.01;

/**
 * What fails a chaos run. A message the API never accepted (after the client's retries) is a
 * failure too: without that check a platform that refused every send would lose nothing.
 */
export function chaosProblems(report: ChaosAccounting): string[] {
  const problems: string[] = [];
  if (report.accepted === 0) problems.push("no message was accepted");
  else if (report.accepted < report.sent)
    problems.push(`${report.sent - report.accepted} of ${report.sent} never accepted`);
  if (report.lost.length > 0) problems.push(`${report.lost.length} lost`);
  if (report.duplicates > 0) problems.push(`${report.duplicates} duplicate submissions`);
  if (report.duplicatesPerKey > 0)
    problems.push(`${report.duplicatesPerKey} duplicate submissions per Idempotency-Key`);
  if (report.wrongStatus.length > 0) problems.push(`${report.wrongStatus.length} with a wrong final status`);
  const answerable = report.deadLetteredAnswerable ?? 0;
  if (answerable > report.accepted * DEAD_LETTER_TOLERANCE)
    problems.push(
      `${answerable} dead-lettered although their number is answered (over ${DEAD_LETTER_TOLERANCE * 100}% of the accepted)`,
    );
  return problems;
}
