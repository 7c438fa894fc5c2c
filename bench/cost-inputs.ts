/**
 * The cost model's inputs for one measured pipeline run: per-SMS counts measured in the run
 * (DynamoDB capacity as DynamoDB reports it, SQS sends and consumer batches, application log lines),
 * and what the local platform cannot show, taken from the catalogue and the stack's configuration
 * (API access-log format, Lambda's platform lines, X-Ray's default sampling, WAF, delivery events).
 */
import { accessLogFormat } from "../lib/api-construct.ts";
import {
  AWS_SMS_EVENTS_FUNCTION,
  AWS_SMS_EVENTS_QUEUE,
  functionSpec,
  queueSpec,
} from "../lib/catalog/index.ts";
import type { CostInputs, DeliveryEvents } from "./cost.ts";
import type { PipelineFigures } from "./run.ts";
import type { TargetCapacity } from "./sdk-meter.ts";

/**
 * Delivery events per SMS on the events queue: the configuration set forwards TEXT_SUCCESSFUL as well
 * as the final types, because in countries without handset receipts TEXT_SUCCESSFUL (isFinal=true)
 * is the only final event (functions/dlr/aws-sms-events.ts). Where a receipt follows, a non-final
 * TEXT_SUCCESSFUL comes first: 2 is the upper bound, 1 the floor.
 */
export const DELIVERY_EVENTS_PER_SMS = 2;

/** The stack sets no X-Ray sampling rule: the default one records 1 trace/s, then 5%. */
export const DEFAULT_XRAY_SAMPLED_SHARE = 0.05;

/** CloudWatch counts 26 bytes per log event on top of its message (PutLogEvents size rule). */
export const LOG_EVENT_OVERHEAD_BYTES = 26;

const REQUEST_ID = "8f5e2c1a-3b4d-4e6f-9a0b-1c2d3e4f5a6b";
const TRACE_ROOT = "1-6748a1b2-0123456789abcdef01234567";

/** Lambda's text-format platform lines for one invocation (a 2-digit duration, 3-digit memory). */
export function platformLines(sampledShare: number): { bytes: number; lines: number } {
  const start = `START RequestId: ${REQUEST_ID} Version: $LATEST\n`;
  const end = `END RequestId: ${REQUEST_ID}\n`;
  const report = `REPORT RequestId: ${REQUEST_ID}\tDuration: 12.34 ms\tBilled Duration: 13 ms\tMemory Size: 256 MB\tMax Memory Used: 98 MB\t\n`;
  // Appended to REPORT when the invocation's trace is sampled.
  const xray = `XRAY TraceId: ${TRACE_ROOT}\tSegmentId: 53995c3f42cd8ad8\tSampled: true\t\n`;
  const bytes = [start, end, report].reduce((sum, text) => sum + Buffer.byteLength(text), 0);
  return { bytes: bytes + sampledShare * Buffer.byteLength(xray), lines: 3 };
}

/** Typical values of the access log's $context variables for an accepted POST /v1/messages. */
const ACCESS_LOG_SAMPLE: Readonly<Record<string, string>> = {
  "$context.requestId": REQUEST_ID,
  "$context.extendedRequestId": "Fq3xKHoXliAEJ8w=",
  "$context.requestTime": "01/Dec/2026:04:44:12 +0000",
  "$context.identity.sourceIp": "203.0.113.10",
  "$context.httpMethod": "POST",
  "$context.resourcePath": "/v1/messages",
  "$context.status": "202",
  "$context.responseLength": "143",
  "$context.responseLatency": "41",
  "$context.integrationLatency": "38",
  "$context.authorizer.accountId": "acc_01M8QYN4BFNZPW3CAB4QY30PG4",
  "$context.authorizer.principalId": "key_01M8QYN4BFNZPW3CAB4QY30PG5",
  "$context.tlsVersion": "TLSv1.3",
  "$context.xrayTraceId": TRACE_ROOT,
};

/** One access-log line (the stage's format, lib/api-construct.ts) with typical values; "-" when unset. */
export function accessLogLineBytes(): number {
  const line = accessLogFormat()
    .toString()
    .replace(/\$context\.[A-Za-z.]+/g, (variable) => ACCESS_LOG_SAMPLE[variable] ?? "-");
  return Buffer.byteLength(`${line}\n`);
}

/** Application bytes an actively traced function adds on AWS: the trace id on sampled lines only. */
const XRAY_KEY_BYTES = Buffer.byteLength(`,"xray_trace_id":"${TRACE_ROOT}"`);

const sumWhere = (record: Readonly<Record<string, number>>, suffix: string) =>
  Object.entries(record)
    .filter(([name]) => name.endsWith(suffix))
    .reduce((sum, [, n]) => sum + n, 0);

/** Sums of the write targets "<command> <…table>" (tables carry a stack prefix, e.g. "local-messages"). */
function capacityOf(
  byTarget: Readonly<Record<string, TargetCapacity>>,
  matches: (command: string, table: string) => boolean,
): TargetCapacity {
  const sums = { requests: 0, base: 0, gsi: 0 };
  for (const [target, capacity] of Object.entries(byTarget)) {
    const [command = "", table = ""] = target.split(" ");
    if (!matches(command, table)) continue;
    sums.requests += capacity.requests;
    sums.base += capacity.base;
    sums.gsi += capacity.gsi;
  }
  return sums;
}
const isTable = (table: string, name: string) => table === name || table.endsWith(`-${name}`);

export function costInputsFrom(pipeline: PipelineFigures, options: { waf?: boolean } = {}): CostInputs {
  const per = (n: number) => n / Math.max(1, pipeline.accepted);
  const fnDuration = pipeline.sequentialSendP50;
  const eventsQueue = queueSpec(AWS_SMS_EVENTS_QUEUE);
  const sampledShare = DEFAULT_XRAY_SAMPLED_SHARE;
  const platform = platformLines(sampledShare);
  const consumed = pipeline.consumed;
  const batchesPerSms = per(pipeline.batchesReceived);
  const deliveryEvents: DeliveryEvents = {
    via: "sns",
    eventsPerSms: DELIVERY_EVENTS_PER_SMS,
    batchSize: eventsQueue.consumer?.batchSize ?? 1,
    consumer: {
      fn: AWS_SMS_EVENTS_FUNCTION,
      memoryMb: functionSpec(AWS_SMS_EVENTS_FUNCTION).memoryMb,
      durationMs: fnDuration,
    },
  };
  const dynamo = consumed ? consumedDynamo(consumed, per) : requestedDynamo(pipeline, per);
  const appLines = per(pipeline.logLines);
  return {
    api: {
      kind: "rest",
      requestsPerSms: 1,
      waf: options.waf ?? true,
      accessLogBytesPerRequest: accessLogLineBytes(),
    },
    lambda: [
      {
        fn: "send",
        trigger: "api",
        invocationsPerSms: 1,
        memoryMb: functionSpec("send").memoryMb,
        durationMs: fnDuration,
      },
      {
        fn: "dispatch",
        trigger: "queue",
        invocationsPerSms: batchesPerSms,
        memoryMb: functionSpec("dispatch").memoryMb,
        durationMs: fnDuration + pipeline.carrierLatencyMs,
      },
    ],
    deliveryEvents,
    sqs: { sendsPerSms: per(pipeline.calls.sqsSends), batchesPerSms },
    dynamo,
    kmsPerSms: per(pipeline.kmsGenerateDataKey + pipeline.kmsDecrypt),
    logs: {
      appBytesPerSms: per(pipeline.logBytes) + appLines * sampledShare * XRAY_KEY_BYTES,
      appLinesPerSms: appLines,
      platformBytesPerInvocation: platform.bytes,
      platformLinesPerInvocation: platform.lines,
      eventOverheadBytes: LOG_EVENT_OVERHEAD_BYTES,
    },
    xray: { sampledShare },
    sources: {
      api: "measured: the POST per SMS; authorizer answers cached 30 s per key and IP (not counted)",
      waf: "configured: web ACL on the stage (context waf, default on)",
      lambdaRequests: `measured: dispatch batches (${(1 / Math.max(batchesPerSms, 1e-9)).toFixed(1)} SMS per batch as filled in this run; at a trickle a batch holds 1); delivery events assumed ${DELIVERY_EVENTS_PER_SMS}/SMS in batches of ${deliveryEvents.batchSize}`,
      lambdaCompute: `assumed: each invocation as long as one idle send (${fnDuration.toFixed(0)} ms), dispatch + ${pipeline.carrierLatencyMs} ms carrier latency; catalogue memory`,
      sns: `assumed: ${DELIVERY_EVENTS_PER_SMS} events/SMS (non-final TEXT_SUCCESSFUL + final), configuration set → SNS`,
      sqs: "measured sends and batches; on AWS the event-source mapping makes one receive and one delete per batch (idle long polls are a fixed monthly cost); SNS → SQS deliveries are SQS sends",
      dynamoWrites: consumed
        ? "measured: consumed capacity as DynamoDB reports it (item size, GSI writes, failed conditions)"
        : "measured requests × 1 unit (no GSI writes: older figures without consumed capacity)",
      dynamoReads: consumed ? "measured: consumed capacity" : "measured requests",
      kms: "measured: data-key calls after the Encryption SDK cache",
      logs: `app lines measured at INFO (+ the trace id on sampled lines); Lambda text-format platform lines and one access-log line per request from the stack's format; ${LOG_EVENT_OVERHEAD_BYTES} B per event assumed`,
      xray: "configured: API stage and functions traced (Active), no sampling rule → the default 5% beyond 1 trace/s; assumed: each queue-consumer invocation records its own (linked) trace",
    },
  };
}

type PerSms = (n: number) => number;

function consumedDynamo(
  consumed: NonNullable<PipelineFigures["consumed"]>,
  per: PerSms,
): CostInputs["dynamo"] {
  const puts = capacityOf(
    consumed.byTarget,
    (command, table) => command === "Put" && isTable(table, "messages"),
  );
  const updates = capacityOf(
    consumed.byTarget,
    (command, table) => command === "Update" && isTable(table, "messages"),
  );
  const messagesGsi = capacityOf(consumed.byTarget, (_, table) => isTable(table, "messages")).gsi;
  const quality = capacityOf(consumed.byTarget, (_, table) => isTable(table, "carrier-quality"));
  return {
    // A failed condition is billed too (≥ 1 WRU) though DynamoDB reports no capacity for it.
    wcuPerSms: per(consumed.wcu + consumed.failedWrites),
    gsiWcuPerSms: per(consumed.gsiWcu),
    qualityWcuPerSms: per(quality.base + quality.gsi),
    rcuPerSms: per(consumed.rcu),
    rcuConsistentPerSms: per(consumed.rcuConsistent),
    messages: {
      puts: per(puts.requests),
      putBaseWcu: per(puts.base),
      updates: per(updates.requests),
      updateBaseWcu: per(updates.base),
      gsiWcu: per(messagesGsi),
    },
  };
}

/** Figures from before consumed capacity was measured: one unit per item written, no GSI writes. */
function requestedDynamo(pipeline: PipelineFigures, per: PerSms): CostInputs["dynamo"] {
  const writes = pipeline.calls.writesByTarget;
  return {
    wcuPerSms: per(pipeline.calls.wru),
    gsiWcuPerSms: 0,
    qualityWcuPerSms: per(sumWhere(writes, "carrier-quality")),
    rcuPerSms: per(pipeline.calls.rru),
    rcuConsistentPerSms: 0,
    messages: {
      puts: per(sumWhere(writes, "Put local-messages")),
      putBaseWcu: per(sumWhere(writes, "Put local-messages")),
      updates: per(sumWhere(writes, "Update local-messages")),
      updateBaseWcu: per(sumWhere(writes, "Update local-messages")),
      gsiWcu: 0,
    },
  };
}
