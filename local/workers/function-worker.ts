/**
 * One catalogue function's "container": a worker thread that imports the handler once (on the first
 * invocation, a cold start), runs every invocation through the same runtime as in-process
 * (invokeFunction: the function's IAM identity, key guard, Context and catalogue timeout), and
 * answers on the parent port. Its process.env is private: the pool gives it exactly what the
 * function sees (function-env.ts), as a Lambda container has its own environment.
 */
import { parentPort, workerData } from "node:worker_threads";
import { importHandler, invokeFunction } from "../lambda-runtime.ts";
import { type InvocationReply, isInvocationRequest, isWorkerStart, serializeError } from "./protocol.ts";

if (!parentPort || !isWorkerStart(workerData))
  throw new Error("function-worker.ts runs only as a pool worker");
const port = parentPort;
const { fn, stage } = workerData;

// A stray promise fails nothing but its own log line, as in the platform thread (local/start.ts); on
// Lambda it would at most cost that invocation's container.
process.on("unhandledRejection", (reason) => {
  console.error(
    `local ${fn.id}: unhandled rejection: ${reason instanceof Error ? reason.message : String(reason)}`,
  );
});

function reply(message: InvocationReply): void {
  try {
    port.postMessage(message);
  } catch (error) {
    // A result the structured clone cannot copy (a function, a class instance with methods).
    port.postMessage({ id: message.id, ok: false, error: serializeError(error) } satisfies InvocationReply);
  }
}

port.on("message", (message: unknown) => {
  if (!isInvocationRequest(message)) return;
  const { id, event } = message;
  // The cold start (module import, cached after the first) is not part of the invocation's time.
  importHandler(fn)
    .then(
      () => port.postMessage({ id, started: true } satisfies InvocationReply),
      // An import that failed is retried (and its error returned) by the invocation itself.
      () => undefined,
    )
    .then(() => invokeFunction(fn, event, { stage, loader: importHandler }))
    .then(
      (value) => reply({ id, ok: true, value }),
      (error: unknown) => reply({ id, ok: false, error: serializeError(error) }),
    );
});
