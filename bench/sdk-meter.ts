/**
 * Counts (and optionally fails) AWS calls made in this process. Every SDK v3 client's send() is the
 * one in @smithy/core's Client, so one patch sees DynamoDB (document client included), SQS and KMS
 * from every module. KMS data-key calls are counted at the Encryption SDK keyring: with a KMS
 * keyring each onEncrypt is a GenerateDataKey and each onDecrypt a Decrypt; offline the raw AES
 * keyring stands in at exactly the same place, after the data-key cache.
 */
import { KeyringNode } from "@aws-crypto/material-management";
import { Client } from "@smithy/core/client";

export interface SdkCall {
  readonly service: string;
  readonly command: string;
  /** Items in a transaction or batch (1 otherwise). */
  readonly items: number;
  readonly consistentRead: boolean;
}

export interface Faults {
  /** Share of DynamoDB requests answered with ProvisionedThroughputExceededException (SDK retries them). */
  dynamoThrottleRate: number;
  random: () => number;
}

export interface SdkMeter {
  readonly calls: SdkCall[];
  readonly faults: Faults;
  injected: number;
  kmsGenerateDataKey: number;
  kmsDecrypt: number;
  reset(): void;
  uninstall(): void;
}

type Send = (this: Client<never, never, never, never>, command: unknown, ...rest: unknown[]) => unknown;
interface Stack {
  add(middleware: unknown, options: Record<string, unknown>): void;
}

function itemsOf(input: Record<string, unknown> | undefined): number {
  if (!input) return 1;
  if (Array.isArray(input.TransactItems)) return input.TransactItems.length;
  const requestItems = input.RequestItems as Record<string, unknown[] | { Keys?: unknown[] }> | undefined;
  if (requestItems) {
    return Object.values(requestItems).reduce<number>(
      (sum, value) => sum + (Array.isArray(value) ? value.length : (value.Keys?.length ?? 0)),
      0,
    );
  }
  if (Array.isArray(input.Entries)) return input.Entries.length;
  return 1;
}

export function installSdkMeter(): SdkMeter {
  const originalSend = Client.prototype.send as unknown as Send;
  const proto = KeyringNode.prototype as unknown as Record<
    "onEncrypt" | "onDecrypt",
    (...args: unknown[]) => unknown
  >;
  const originalEncrypt = proto.onEncrypt;
  const originalDecrypt = proto.onDecrypt;
  const faulted = new WeakSet<object>();
  const meter: SdkMeter = {
    calls: [],
    faults: { dynamoThrottleRate: 0, random: Math.random },
    injected: 0,
    kmsGenerateDataKey: 0,
    kmsDecrypt: 0,
    reset() {
      meter.calls.length = 0;
      meter.injected = 0;
      meter.kmsGenerateDataKey = 0;
      meter.kmsDecrypt = 0;
    },
    uninstall() {
      Client.prototype.send = originalSend as never;
      proto.onEncrypt = originalEncrypt;
      proto.onDecrypt = originalDecrypt;
    },
  };

  // Inside the retry loop (finalizeRequest, after the retry middleware): the SDK retries like it
  // would a real throttle, and only an exhausted retry budget reaches the application.
  const throttleMiddleware = (next: (args: unknown) => Promise<unknown>) => async (args: unknown) => {
    if (meter.faults.dynamoThrottleRate > 0 && meter.faults.random() < meter.faults.dynamoThrottleRate) {
      meter.injected += 1;
      throw Object.assign(
        new Error("The level of configured provisioned throughput for the table was exceeded"),
        {
          name: "ProvisionedThroughputExceededException",
          $fault: "client",
          $metadata: { httpStatusCode: 400, attempts: 1, totalRetryDelay: 0 },
        },
      );
    }
    return next(args);
  };

  Client.prototype.send = function patchedSend(
    this: Client<never, never, never, never>,
    command: unknown,
    ...rest: unknown[]
  ) {
    const config = (this as unknown as { config?: { serviceId?: string } }).config;
    const service = config?.serviceId ?? this.constructor.name.replace(/(Document)?Client$/, "");
    const cmd = command as { constructor: { name: string }; input?: Record<string, unknown> };
    meter.calls.push({
      service,
      command: cmd.constructor.name.replace(/Command$/, ""),
      items: itemsOf(cmd.input),
      consistentRead: cmd.input?.ConsistentRead === true,
    });
    const stack = (this as unknown as { middlewareStack: Stack & object }).middlewareStack;
    if (service === "DynamoDB" && !faulted.has(stack)) {
      faulted.add(stack);
      stack.add(throttleMiddleware, {
        step: "finalizeRequest",
        priority: "low",
        name: "benchThrottleInjector",
      });
    }
    return originalSend.call(this, command, ...rest);
  } as never;

  proto.onEncrypt = function (this: unknown, ...args: unknown[]) {
    meter.kmsGenerateDataKey += 1;
    return originalEncrypt.apply(this, args);
  };
  proto.onDecrypt = function (this: unknown, ...args: unknown[]) {
    meter.kmsDecrypt += 1;
    return originalDecrypt.apply(this, args);
  };
  return meter;
}

const DYNAMO_WRITES = new Set([
  "Put",
  "PutItem",
  "Update",
  "UpdateItem",
  "Delete",
  "DeleteItem",
  "TransactWrite",
  "TransactWriteItems",
  "BatchWrite",
  "BatchWriteItem",
]);
const DYNAMO_READS = new Set([
  "Get",
  "GetItem",
  "Query",
  "Scan",
  "TransactGet",
  "TransactGetItems",
  "BatchGet",
  "BatchGetItem",
]);

export interface CallSummary {
  readonly byCommand: Readonly<Record<string, number>>;
  readonly sqsRequests: number;
  readonly sqsSends: number;
  readonly dynamoWrites: number;
  readonly dynamoReads: number;
  /** Write/read request units, assuming items ≤ 1 KB (transactions cost double). */
  readonly wru: number;
  readonly rru: number;
}

export function summarize(calls: readonly SdkCall[]): CallSummary {
  const byCommand: Record<string, number> = {};
  let sqsRequests = 0;
  let sqsSends = 0;
  let dynamoWrites = 0;
  let dynamoReads = 0;
  let wru = 0;
  let rru = 0;
  for (const call of calls) {
    const key = `${call.service}.${call.command}`;
    byCommand[key] = (byCommand[key] ?? 0) + 1;
    if (call.service === "SQS") {
      sqsRequests += 1;
      if (call.command.startsWith("SendMessage")) sqsSends += 1;
    }
    if (call.service !== "DynamoDB") continue;
    const transactional = call.command.startsWith("Transact");
    if (DYNAMO_WRITES.has(call.command)) {
      dynamoWrites += call.items;
      wru += call.items * (transactional ? 2 : 1);
    } else if (DYNAMO_READS.has(call.command)) {
      dynamoReads += call.items;
      rru += call.items * (transactional ? 2 : call.consistentRead ? 1 : 0.5);
    }
  }
  return { byCommand, sqsRequests, sqsSends, dynamoWrites, dynamoReads, wru, rru };
}
