/**
 * What crosses the MessagePort between the platform thread and a function's worker thread: an event
 * in, a result or an error out. Events and results are plain JSON-like data (API Gateway and SQS
 * shapes), so the structured clone copies them as they are; errors travel as name and message.
 */
import type { FunctionSpec } from "../../lib/catalog/index.ts";
import { FunctionTimeoutError } from "../lambda-runtime.ts";

/** Given to the worker at start (workerData). */
export interface WorkerStart {
  /** The spec itself (plain data), so a test's fake function runs the same way as a catalogue one. */
  readonly fn: FunctionSpec;
  readonly stage: string;
}

export interface InvocationRequest {
  readonly id: number;
  readonly event: unknown;
}

export interface SerializedError {
  readonly name: string;
  readonly message: string;
}

/**
 * `started` comes first, once the handler is loaded and the invocation begins (the catalogue timeout
 * counts from there, as Lambda counts it after init); then one of the outcomes.
 */
export type InvocationReply =
  | { readonly id: number; readonly started: true }
  | { readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly id: number; readonly ok: false; readonly error: SerializedError };

export function serializeError(error: unknown): SerializedError {
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: "Error", message: String(error) };
}

/** The error the caller sees: same name and message; a timeout is a FunctionTimeoutError as in-process. */
export function deserializeError(error: SerializedError): Error {
  if (error.name === "FunctionTimeoutError") return new FunctionTimeoutError(error.message);
  const rebuilt = new Error(error.message);
  rebuilt.name = error.name;
  return rebuilt;
}

export function isInvocationRequest(value: unknown): value is InvocationRequest {
  return typeof value === "object" && value !== null && typeof (value as { id?: unknown }).id === "number";
}

export function isInvocationReply(value: unknown): value is InvocationReply {
  if (typeof value !== "object" || value === null) return false;
  const reply = value as { id?: unknown; ok?: unknown; started?: unknown };
  return typeof reply.id === "number" && (typeof reply.ok === "boolean" || reply.started === true);
}

export function isWorkerStart(value: unknown): value is WorkerStart {
  if (typeof value !== "object" || value === null) return false;
  const start = value as {
    fn?: { id?: unknown; entry?: unknown; timeoutSeconds?: unknown };
    stage?: unknown;
  };
  return (
    typeof start.fn?.id === "string" &&
    typeof start.fn.entry === "string" &&
    typeof start.fn.timeoutSeconds === "number" &&
    typeof start.stage === "string"
  );
}
