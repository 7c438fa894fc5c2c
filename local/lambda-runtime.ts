/**
 * Runs catalogue functions in-process the way Lambda would: module loaded once per function (a warm
 * container), a realistic Context, the catalogue timeout enforced, and the function's catalogue
 * grants enforced on every AWS SDK call and local key use (local/iam/), as IAM would on AWS.
 */
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Context } from "aws-lambda";
import { type FunctionSpec, physicalName } from "../lib/catalog/index.ts";
import { functionIdentity, runAsFunction } from "./iam/enforcement.ts";
import { installLocalKeyGuard } from "./iam/key-guard.ts";
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from "./local-account.ts";

export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");

export type LambdaHandler = (event: unknown, context: Context) => Promise<unknown>;

/** Turns a function spec into its handler; tests pass their own to run fake functions. */
export type HandlerLoader = (fn: FunctionSpec) => Promise<LambdaHandler>;

/**
 * What the gateway, the SQS pollers and the schedules call to run one invocation: in this thread
 * (inProcessInvoker) or in the function's own worker thread (local/workers/).
 */
export type FunctionInvoker = (fn: FunctionSpec, event: unknown) => Promise<unknown>;

export class FunctionTimeoutError extends Error {
  override name = "FunctionTimeoutError";
}

export const entryExists = (fn: FunctionSpec): boolean => existsSync(resolve(projectRoot, fn.entry));

const loaded = new Map<string, Promise<LambdaHandler>>();

/** Default loader: dynamic import of the catalogue entry, cached like a warm Lambda container. */
export const importHandler: HandlerLoader = (fn) => {
  let pending = loaded.get(fn.entry);
  if (!pending) {
    pending = import(pathToFileURL(resolve(projectRoot, fn.entry)).href).then(
      (mod: { handler?: unknown }) => {
        if (typeof mod.handler !== "function") throw new Error(`${fn.entry} does not export a handler`);
        return mod.handler as LambdaHandler;
      },
    );
    // A failed import (syntax error while editing) should be retried on the next call.
    pending.catch(() => loaded.delete(fn.entry));
    loaded.set(fn.entry, pending);
  }
  return pending;
};

export function lambdaContext(fn: FunctionSpec, stage: string, deadline: number): Context {
  const functionName = physicalName(stage, fn.id);
  const requestId = randomUUID();
  const unsupported = () => {
    throw new Error("callback-style completion is not supported; return a promise");
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:function:${functionName}`,
    memoryLimitInMB: String(fn.memoryMb),
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `${new Date().toISOString().slice(0, 10).replaceAll("-", "/")}/[$LATEST]${requestId.replaceAll("-", "")}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}

/** Invokes a function with its catalogue timeout; a timeout rejects like a Lambda "Task timed out". */
export async function invokeFunction(
  fn: FunctionSpec,
  event: unknown,
  options: { stage: string; loader: HandlerLoader },
): Promise<unknown> {
  installLocalKeyGuard();
  // Init code (module load) and the handler both run as the function, like in its Lambda container.
  return runAsFunction(functionIdentity(fn, options.stage), async () => {
    const handler = await options.loader(fn);
    return runHandler(fn, handler, event, options.stage);
  });
}

/** Invocations in this thread, handlers from `loader` (the default path, and the one for fake functions). */
export const inProcessInvoker =
  (stage: string, loader: HandlerLoader = importHandler): FunctionInvoker =>
  (fn, event) =>
    invokeFunction(fn, event, { stage, loader });

async function runHandler(
  fn: FunctionSpec,
  handler: LambdaHandler,
  event: unknown,
  stage: string,
): Promise<unknown> {
  const deadline = Date.now() + fn.timeoutSeconds * 1000;
  const context = lambdaContext(fn, stage, deadline);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(new FunctionTimeoutError(`${context.functionName} timed out after ${fn.timeoutSeconds} s`)),
      fn.timeoutSeconds * 1000,
    );
  });
  try {
    return await Promise.race([handler(event, context), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
