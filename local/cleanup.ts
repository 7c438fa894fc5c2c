/**
 * Last-resort cleanup for child processes. Normal shutdown goes through each component's stop();
 * these hooks make sure a crash, an uncaught error or a signal never leaves a java process behind.
 */
type SyncKill = () => void;

const killers = new Set<SyncKill>();
let installed = false;

function runAll(): void {
  for (const kill of killers) {
    try {
      kill();
    } catch {
      // already gone
    }
  }
  killers.clear();
}

/** Registers a synchronous kill for process exit; returns the unregister function. */
export function onProcessExit(kill: SyncKill): () => void {
  if (!installed) {
    installed = true;
    // 'exit' handlers must be synchronous: process.kill is.
    process.once("exit", runAll);
  }
  killers.add(kill);
  return () => killers.delete(kill);
}
