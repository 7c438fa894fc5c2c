/**
 * Counts (and optionally fails) AWS calls made in this process. Every SDK v3 client's send() is the
 * one in @smithy/core's Client, so one patch sees DynamoDB (document client included), SQS and KMS
 * from every module. KMS data-key calls are counted where the offline keyring stands in for KMS:
 * each AES operation keyed with the local master key is one data-key wrap (= KMS GenerateDataKey)
 * or unwrap (= KMS Decrypt), made only on a miss of the Encryption SDK's data-key cache. The keyring
 * classes are frozen, so the count is taken at node:crypto, which the SDK calls through.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { Client } from "@smithy/core/client";

export interface SdkCall {
  readonly service: string;
  readonly command: string;
  /** Items in a transaction or batch (1 otherwise). */
  readonly items: number;
  readonly consistentRead: boolean;
  /** DynamoDB: "<command> <table>" per item (tables named without the stack prefix). */
  readonly targets: readonly string[];
}

export interface Faults {
  /** Share of DynamoDB requests answered with ProvisionedThroughputExceededException (SDK retries them). */
  dynamoThrottleRate: number;
  /**
   * Share of SQS SendMessage calls to the sms-* queues that fail after the SDK's own retries (the
   * send function then answers 503 with its message already written: chaos for Idempotency-Key).
   */
  smsEnqueueFailureRate: number;
  random: () => number;
}

export interface SdkMeter {
  readonly calls: SdkCall[];
  readonly faults: Faults;
  injected: number;
  injectedEnqueueFailures: number;
  /** ReceiveMessage calls that returned messages (≈ consumer invocations) and messages received. */
  batchesReceived: number;
  messagesReceived: number;
  kmsGenerateDataKey: number;
  kmsDecrypt: number;
  /**
   * Capacity units DynamoDB reported (ReturnConsumedCapacity INDEXES, which DynamoDB Local computes
   * like AWS: item size in 1 KB / 4 KB steps, plus each GSI write). What on-demand bills, unlike the
   * request counts. Excludes the local TTL sweeper (on AWS, TTL deletes are free and scan nothing).
   */
  readonly consumed: ConsumedCapacity;
  reset(): void;
  uninstall(): void;
}

export interface ConsumedCapacity {
  /** Write units: base tables and GSIs together, and the GSI share of them. */
  wcu: number;
  gsiWcu: number;
  rcu: number;
  /** The share of rcu spent on strongly consistent reads (eventually consistent ones cost half). */
  rcuConsistent: number;
  /** Per "<command> <table>", e.g. "Update messages": successful requests, base-table and GSI write units. */
  readonly byTarget: Record<string, TargetCapacity>;
  /** Write requests answered without ConsumedCapacity (failed conditions: AWS bills ≥ 1 WRU each). */
  failedWrites: number;
}

export interface TargetCapacity {
  requests: number;
  base: number;
  gsi: number;
}

interface ReportedCapacity {
  readonly TableName?: string;
  readonly CapacityUnits?: number;
  readonly ReadCapacityUnits?: number;
  readonly Table?: { CapacityUnits?: number };
  readonly WriteCapacityUnits?: number;
  readonly GlobalSecondaryIndexes?: Record<string, { CapacityUnits?: number; WriteCapacityUnits?: number }>;
}

const shortTable = (table: unknown) => String(table ?? "?").replace(/^.*?-(?=[a-z-]+$)/, "");

/** Adds what one DynamoDB answer reports (a list for transactions and batches) to the totals. */
function addConsumed(
  consumed: ConsumedCapacity,
  reported: unknown,
  kind: { command: string; write: boolean; consistent: boolean },
): void {
  const entries = (Array.isArray(reported) ? reported : reported ? [reported] : []) as ReportedCapacity[];
  for (const entry of entries) {
    const units = entry.CapacityUnits ?? 0;
    if (!kind.write) {
      consumed.rcu += units;
      if (kind.consistent) consumed.rcuConsistent += units;
      continue;
    }
    const gsi = Object.values(entry.GlobalSecondaryIndexes ?? {}).reduce(
      (sum, index) => sum + (index.CapacityUnits ?? index.WriteCapacityUnits ?? 0),
      0,
    );
    consumed.wcu += units;
    consumed.gsiWcu += gsi;
    const target = `${kind.command} ${shortTable(entry.TableName)}`;
    const sums = consumed.byTarget[target] ?? { requests: 0, base: 0, gsi: 0 };
    sums.requests += 1;
    sums.base += entry.Table?.CapacityUnits ?? units - gsi;
    sums.gsi += gsi;
    consumed.byTarget[target] = sums;
  }
}

/** The local platform's TTL sweeper stands in for DynamoDB's free TTL deletes: not an AWS cost. */
const isLocalSweeper = (command: string) =>
  (command === "Scan" || command === "Delete" || command === "DeleteItem") &&
  (new Error().stack ?? "").includes("ttl-sweeper");

type Send = (this: Client<never, never, never, never>, command: unknown, ...rest: unknown[]) => unknown;
interface Stack {
  add(middleware: unknown, options: Record<string, unknown>): void;
}

/** The table (and index) of every item a DynamoDB request touches, e.g. ["Update messages"]. */
function targetsOf(command: string, input: Record<string, unknown> | undefined): string[] {
  const short = shortTable;
  if (!input) return [];
  if (Array.isArray(input.TransactItems)) {
    return input.TransactItems.flatMap((entry: Record<string, { TableName?: string }>) =>
      Object.entries(entry).map(([kind, item]) => `${command}.${kind} ${short(item.TableName)}`),
    );
  }
  const requestItems = input.RequestItems as Record<string, unknown[] | { Keys?: unknown[] }> | undefined;
  if (requestItems) {
    return Object.entries(requestItems).flatMap(([table, value]) =>
      Array.from(
        { length: Array.isArray(value) ? value.length : (value.Keys?.length ?? 0) },
        () => `${command} ${short(table)}`,
      ),
    );
  }
  const index = input.IndexName ? `.${String(input.IndexName)}` : "";
  return input.TableName ? [`${command} ${short(input.TableName)}${index}`] : [];
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
  const nodeCrypto = createRequire(import.meta.url)("node:crypto") as Record<
    string,
    (...args: unknown[]) => unknown
  >;
  const originalCipher = nodeCrypto.createCipheriv as (...args: unknown[]) => unknown;
  const originalDecipher = nodeCrypto.createDecipheriv as (...args: unknown[]) => unknown;
  const faulted = new WeakSet<object>();
  const meter: SdkMeter = {
    calls: [],
    faults: { dynamoThrottleRate: 0, smsEnqueueFailureRate: 0, random: Math.random },
    injected: 0,
    injectedEnqueueFailures: 0,
    batchesReceived: 0,
    messagesReceived: 0,
    kmsGenerateDataKey: 0,
    kmsDecrypt: 0,
    consumed: { wcu: 0, gsiWcu: 0, rcu: 0, rcuConsistent: 0, byTarget: {}, failedWrites: 0 },
    reset() {
      meter.calls.length = 0;
      meter.injected = 0;
      meter.injectedEnqueueFailures = 0;
      meter.batchesReceived = 0;
      meter.messagesReceived = 0;
      meter.kmsGenerateDataKey = 0;
      meter.kmsDecrypt = 0;
      Object.assign(meter.consumed, {
        wcu: 0,
        gsiWcu: 0,
        rcu: 0,
        rcuConsistent: 0,
        byTarget: {},
        failedWrites: 0,
      });
    },
    uninstall() {
      Client.prototype.send = originalSend as never;
      nodeCrypto.createCipheriv = originalCipher;
      nodeCrypto.createDecipheriv = originalDecipher;
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
      targets:
        service === "DynamoDB" ? targetsOf(cmd.constructor.name.replace(/Command$/, ""), cmd.input) : [],
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
    if (
      service === "SQS" &&
      cmd.constructor.name === "SendMessageCommand" &&
      /sms-(otp|transactional|bulk)$/.test(String(cmd.input?.QueueUrl ?? "")) &&
      meter.faults.smsEnqueueFailureRate > 0 &&
      meter.faults.random() < meter.faults.smsEnqueueFailureRate
    ) {
      meter.injectedEnqueueFailures += 1;
      return Promise.reject(
        Object.assign(new Error("chaos: SendMessage failed after retries"), { name: "InternalError" }),
      );
    }
    const commandName = cmd.constructor.name.replace(/Command$/, "");
    const meterCapacity = service === "DynamoDB" && cmd.input !== undefined && !isLocalSweeper(commandName);
    // Asking for the consumed capacity changes nothing else in the request or its answer.
    if (meterCapacity && cmd.input) cmd.input.ReturnConsumedCapacity ??= "INDEXES";
    const result = originalSend.call(this, command, ...rest);
    if (meterCapacity && result instanceof Promise) {
      const write = DYNAMO_WRITES.has(commandName);
      const kind = { command: commandName, write, consistent: cmd.input?.ConsistentRead === true };
      void result.then(
        (output: { ConsumedCapacity?: unknown }) =>
          addConsumed(meter.consumed, output?.ConsumedCapacity, kind),
        () => {
          if (write) meter.consumed.failedWrites += 1;
        },
      );
    }
    if (service === "SQS" && cmd.constructor.name === "ReceiveMessageCommand" && result instanceof Promise) {
      void result.then(
        (output: { Messages?: unknown[] }) => {
          if (output?.Messages?.length) {
            meter.batchesReceived += 1;
            meter.messagesReceived += output.Messages.length;
          }
        },
        () => {},
      );
    }
    return result;
  } as never;

  let master: Buffer | undefined;
  const isMasterKey = (key: unknown): boolean => {
    const path = process.env.TEXTGATE_LOCAL_KEYRING;
    if (!path) return false;
    master ??= readFileSync(path);
    const bytes =
      key instanceof Uint8Array
        ? Buffer.from(key)
        : (key as { export?: () => Buffer } | null)?.export?.call(key);
    return bytes !== undefined && bytes.length === master.length && bytes.equals(master);
  };
  nodeCrypto.createCipheriv = function (this: unknown, ...args: unknown[]) {
    if (isMasterKey(args[1])) meter.kmsGenerateDataKey += 1;
    return originalCipher.apply(this, args);
  };
  nodeCrypto.createDecipheriv = function (this: unknown, ...args: unknown[]) {
    if (isMasterKey(args[1])) meter.kmsDecrypt += 1;
    return originalDecipher.apply(this, args);
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
  /** DynamoDB write items per "<command> <table>" (a transaction counts each of its items). */
  readonly writesByTarget: Readonly<Record<string, number>>;
  /** DynamoDB read items per "<command> <table>" ("(consistent)" appended for strongly consistent reads). */
  readonly readsByTarget: Readonly<Record<string, number>>;
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
  const writesByTarget: Record<string, number> = {};
  const readsByTarget: Record<string, number> = {};
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
      for (const target of call.targets) writesByTarget[target] = (writesByTarget[target] ?? 0) + 1;
      wru += call.items * (transactional ? 2 : 1);
    } else if (DYNAMO_READS.has(call.command)) {
      dynamoReads += call.items;
      for (const target of call.targets) {
        const key = call.consistentRead ? `${target} (consistent)` : target;
        readsByTarget[key] = (readsByTarget[key] ?? 0) + 1;
      }
      rru += call.items * (transactional ? 2 : call.consistentRead ? 1 : 0.5);
    }
  }
  return {
    byCommand,
    writesByTarget,
    readsByTarget,
    sqsRequests,
    sqsSends,
    dynamoWrites,
    dynamoReads,
    wru,
    rru,
  };
}
