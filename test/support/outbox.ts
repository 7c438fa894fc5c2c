/**
 * The simulated carrier's outbox. Imports no production code, so a test that sets logging or
 * environment up before loading the functions can use it.
 */
import { inject } from "vitest";

export interface OutboxEntry {
  readonly to: string;
  readonly text: string;
  readonly reference: string;
}

/** Texts the simulated carrier received for `to`, newest first. */
export async function outbox(to: string): Promise<OutboxEntry[]> {
  const response = await fetch(`${inject("outboxUrl")}?to=${encodeURIComponent(to)}`);
  const body = (await response.json()) as unknown;
  // The gateway may wrap the list; accept both shapes.
  return (Array.isArray(body) ? body : ((body as { messages?: unknown[] }).messages ?? [])) as OutboxEntry[];
}
