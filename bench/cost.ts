/**
 * Cost per 1M SMS on AWS from what one SMS really makes AWS do (bench/cost-inputs.ts builds the
 * inputs from a measured pipeline run, the catalogue and the stack's configuration) and the list
 * prices (bench/prices.ts). Carrier fees, storage and per-month fixed costs are excluded.
 * Levers (what the design could change) are priced by re-running the same model on changed inputs.
 */
import { type PriceName, price } from "./prices.ts";

export interface LambdaUse {
  readonly fn: string;
  /** "api": invoked by API Gateway (rides the API request's X-Ray trace); "queue": an SQS consumer. */
  readonly trigger: "api" | "queue";
  readonly invocationsPerSms: number;
  readonly memoryMb: number;
  /** Billed duration per invocation, ms (rounded up to the next ms). */
  readonly durationMs: number;
}

/** How delivery reports reach us on AWS. */
export interface DeliveryEvents {
  /**
   * "sns": configuration set → SNS → SQS (the stack today). "eventbridge": the service's own
   * EventBridge events, a rule matching final ones → SQS. "api-gateway": a signed REST callback.
   */
  readonly via: "sns" | "eventbridge" | "api-gateway";
  /** Events per SMS that reach the queue (or callbacks through the API). */
  readonly eventsPerSms: number;
  /** Consumer batch size of the events queue (catalogue). */
  readonly batchSize: number;
  readonly consumer: Omit<LambdaUse, "trigger" | "invocationsPerSms">;
}

export interface CostInputs {
  readonly api: {
    readonly kind: "rest" | "http";
    /** Customer requests per SMS (the POST; a batch endpoint would carry several SMS per request). */
    readonly requestsPerSms: number;
    readonly waf: boolean;
    /** One JSON access-log line per request (the stage's access log format). */
    readonly accessLogBytesPerRequest: number;
  };
  /** The functions one SMS runs, delivery-event consumer excluded (DeliveryEvents adds it). */
  readonly lambda: readonly LambdaUse[];
  readonly deliveryEvents: DeliveryEvents;
  readonly sqs: {
    /** SendMessage per SMS of the pipeline (priority queue, webhooks), measured. */
    readonly sendsPerSms: number;
    /** Consumer batches per SMS of those queues: each costs a receive and a delete on AWS. */
    readonly batchesPerSms: number;
  };
  readonly dynamo: {
    readonly wcuPerSms: number;
    /** Of wcuPerSms: GSI writes (all three messages indexes project ALL attributes). */
    readonly gsiWcuPerSms: number;
    /** Of wcuPerSms: the carrier-quality counters. */
    readonly qualityWcuPerSms: number;
    readonly rcuPerSms: number;
    /** Of rcuPerSms: strongly consistent reads (eventually consistent ones would cost half). */
    readonly rcuConsistentPerSms: number;
    /** The messages table's writes per SMS: requests, base-table units, and GSI units (in wcuPerSms). */
    readonly messages: {
      readonly puts: number;
      readonly putBaseWcu: number;
      readonly updates: number;
      readonly updateBaseWcu: number;
      readonly gsiWcu: number;
    };
  };
  readonly kmsPerSms: number;
  readonly logs: {
    /** Application lines (Powertools JSON) per SMS, measured at INFO. */
    readonly appBytesPerSms: number;
    readonly appLinesPerSms: number;
    /** Lambda's own START/END/REPORT lines per invocation (0 with system log level WARN). */
    readonly platformBytesPerInvocation: number;
    readonly platformLinesPerInvocation: number;
    /** Bytes CloudWatch counts per log event on top of its message. */
    readonly eventOverheadBytes: number;
  };
  readonly xray: {
    /** Share of trace roots recorded (API requests and queue-consumer invocations start one each). */
    readonly sampledShare: number;
  };
  /** Where each figure comes from (measured in the run / assumed), shown in the basis column. */
  readonly sources: Readonly<Partial<Record<CostItem, string>>>;
}

export type CostItem =
  | "api"
  | "waf"
  | "lambdaRequests"
  | "lambdaCompute"
  | "sns"
  | "sqs"
  | "dynamoWrites"
  | "dynamoReads"
  | "kms"
  | "logs"
  | "xray";

export interface CostLine {
  readonly key: CostItem;
  readonly item: string;
  readonly perMillion: number;
  readonly basis: string;
}

export interface CostResult {
  readonly lines: CostLine[];
  readonly total: number;
  /** API requests and queue-consumer invocations per SMS: each starts an X-Ray trace. */
  readonly traceRootsPerSms: number;
}

const M = 1e6;
const f2 = (n: number) => n.toFixed(2);

/** Everything a delivery-event path adds per SMS, derived from its configuration. */
function deliveryPath(events: DeliveryEvents) {
  const batches = events.eventsPerSms / Math.max(1, events.batchSize);
  const consumerUse = (trigger: LambdaUse["trigger"], invocationsPerSms: number): LambdaUse => ({
    ...events.consumer,
    trigger,
    invocationsPerSms,
  });
  if (events.via === "api-gateway") {
    return {
      apiRequests: events.eventsPerSms,
      snsPublishes: 0,
      sqsSends: 0,
      sqsBatches: 0,
      use: consumerUse("api", events.eventsPerSms),
    };
  }
  return {
    apiRequests: 0,
    snsPublishes: events.via === "sns" ? events.eventsPerSms : 0,
    sqsSends: events.eventsPerSms,
    sqsBatches: batches,
    use: consumerUse("queue", batches),
  };
}

export function costPerMillion(inputs: CostInputs): CostResult {
  const dlr = deliveryPath(inputs.deliveryEvents);
  const lambda = [...inputs.lambda, dlr.use];
  const apiRequests = inputs.api.requestsPerSms + dlr.apiRequests;
  const invocations = lambda.reduce((sum, l) => sum + l.invocationsPerSms, 0);
  const gbSeconds = lambda.reduce(
    (sum, l) => sum + l.invocationsPerSms * (l.memoryMb / 1024) * (Math.ceil(l.durationMs) / 1000),
    0,
  );
  const sqsBatches = inputs.sqs.batchesPerSms + dlr.sqsBatches;
  const sqsRequests = inputs.sqs.sendsPerSms + dlr.sqsSends + 2 * sqsBatches;
  const { logs } = inputs;
  const platformBytes = invocations * logs.platformBytesPerInvocation;
  const accessBytes = apiRequests * inputs.api.accessLogBytesPerRequest;
  const logEvents =
    logs.appLinesPerSms + invocations * logs.platformLinesPerInvocation + (accessBytes > 0 ? apiRequests : 0);
  const logBytes = logs.appBytesPerSms + platformBytes + accessBytes + logEvents * logs.eventOverheadBytes;
  const traceRoots =
    apiRequests +
    lambda.filter((l) => l.trigger === "queue").reduce((sum, l) => sum + l.invocationsPerSms, 0);
  const traces = traceRoots * inputs.xray.sampledShare;
  const source = (key: CostItem) => (inputs.sources[key] ? ` — ${inputs.sources[key]}` : "");
  const line = (
    key: CostItem,
    item: string,
    units: number,
    priceName: PriceName,
    basis: string,
  ): CostLine => ({
    key,
    item,
    perMillion: M * units * price(priceName),
    basis: `${basis}${source(key)}`,
  });
  const lines: CostLine[] = [
    inputs.api.kind === "rest"
      ? line(
          "api",
          "API Gateway (REST)",
          apiRequests,
          "apiGatewayRestRequest",
          `${f2(apiRequests)} requests/SMS`,
        )
      : line(
          "api",
          "API Gateway (HTTP API)",
          apiRequests,
          "apiGatewayHttpRequest",
          `${f2(apiRequests)} requests/SMS`,
        ),
    line(
      "waf",
      "WAF (web ACL requests)",
      inputs.api.waf ? apiRequests : 0,
      "wafRequest",
      inputs.api.waf ? `${f2(apiRequests)} requests/SMS` : "no web ACL",
    ),
    line(
      "lambdaRequests",
      "Lambda requests",
      invocations,
      "lambdaRequest",
      `${f2(invocations)} invocations/SMS (${lambda.map((l) => `${l.fn} ${f2(l.invocationsPerSms)}`).join(", ")})`,
    ),
    line(
      "lambdaCompute",
      "Lambda compute (arm64)",
      gbSeconds,
      "lambdaArmGbSecond",
      `${f2(gbSeconds * 1000)} GB-ms/SMS`,
    ),
    line(
      "sns",
      "SNS (delivery events)",
      dlr.snsPublishes,
      "snsPublish",
      `${f2(dlr.snsPublishes)} publishes/SMS`,
    ),
    line(
      "sqs",
      "SQS",
      sqsRequests,
      "sqsRequest",
      `${f2(sqsRequests)} requests/SMS = ${f2(inputs.sqs.sendsPerSms + dlr.sqsSends)} sends + ${f2(sqsBatches)} consumer batches × (receive + delete)`,
    ),
    line(
      "dynamoWrites",
      "DynamoDB writes",
      inputs.dynamo.wcuPerSms,
      "dynamoWru",
      `${f2(inputs.dynamo.wcuPerSms)} WRU/SMS (GSIs ${f2(inputs.dynamo.gsiWcuPerSms)}, carrier-quality ${f2(inputs.dynamo.qualityWcuPerSms)})`,
    ),
    line(
      "dynamoReads",
      "DynamoDB reads",
      inputs.dynamo.rcuPerSms,
      "dynamoRru",
      `${f2(inputs.dynamo.rcuPerSms)} RRU/SMS (${f2(inputs.dynamo.rcuConsistentPerSms)} strongly consistent)`,
    ),
    line("kms", "KMS", inputs.kmsPerSms, "kmsRequest", `${inputs.kmsPerSms.toFixed(3)} requests/SMS`),
    line(
      "logs",
      "CloudWatch Logs ingest",
      logBytes / 1024 ** 3,
      "logsIngestGb",
      `${Math.round(logBytes)} bytes/SMS = app ${Math.round(logs.appBytesPerSms)} + Lambda platform ${Math.round(platformBytes)} + API access ${Math.round(accessBytes)} + ${f2(logEvents)} events × ${logs.eventOverheadBytes} B`,
    ),
    line(
      "xray",
      "X-Ray traces",
      traces,
      "xrayTrace",
      `${f2(traceRoots)} trace roots/SMS × ${(inputs.xray.sampledShare * 100).toFixed(0)}% sampled`,
    ),
  ];
  return { lines, total: lines.reduce((sum, l) => sum + l.perMillion, 0), traceRootsPerSms: traceRoots };
}

/** A change the design could make, priced by the same model; never part of the headline total. */
export interface Lever {
  readonly name: string;
  /** What it would take, and what it would cost the design. */
  readonly whatItTakes: string;
  /** Part of the "all levers together" row (false: not a drop-in, or it loses something). */
  readonly combinable: boolean;
  apply(inputs: CostInputs): CostInputs;
}

export interface LeverRow {
  readonly name: string;
  readonly whatItTakes: string;
  readonly total: number;
  readonly saving: number;
}

/** The inputs with every combinable lever applied, in the order given. */
export function withCombinableLevers(base: CostInputs, levers: readonly Lever[]): CostInputs {
  return levers.filter((lever) => lever.combinable).reduce((inputs, lever) => lever.apply(inputs), base);
}

export function priceLevers(base: CostInputs, levers: readonly Lever[]): LeverRow[] {
  const baseTotal = costPerMillion(base).total;
  const row = (name: string, whatItTakes: string, inputs: CostInputs): LeverRow => {
    const total = costPerMillion(inputs).total;
    return { name, whatItTakes, total, saving: baseTotal - total };
  };
  const rows = levers.map((lever) => row(lever.name, lever.whatItTakes, lever.apply(base)));
  const combined = levers.filter((lever) => lever.combinable);
  rows.push(
    row(
      "all of the above marked ✓ together",
      combined.map((lever) => lever.name).join(" + "),
      withCombinableLevers(base, levers),
    ),
  );
  return rows;
}
