/**
 * Cost per 1M SMS from measured call counts and public list prices (eu-central-1, on-demand, no
 * free tier, carrier fees excluded). Prices are hard-coded here, in one table, with the date they
 * were taken; update the table and the date together.
 */
export const PRICES_AS_OF = "2025-06 (AWS public price pages, eu-central-1; not re-checked offline)";

export const PRICES = {
  /** API Gateway REST API, first 333M requests/month, per request. */
  apiGatewayRestRequest: 3.7 / 1e6,
  /** Lambda arm64, per GB-second (first pricing tier) and per request. */
  lambdaArmGbSecond: 0.0000133334,
  lambdaRequest: 0.2 / 1e6,
  /** SQS standard queue, per request (a request is up to 64 KB). */
  sqsRequest: 0.4 / 1e6,
  /** DynamoDB on-demand (after the Nov 2024 price cut), per write / read request unit. */
  dynamoWru: 0.7625 / 1e6,
  dynamoRru: 0.1525 / 1e6,
  /** KMS, per API request (symmetric GenerateDataKey/Decrypt). */
  kmsRequest: 0.03 / 1e4,
  /** CloudWatch Logs standard ingestion, per GB. */
  logsIngestGb: 0.63,
  /** X-Ray, per trace recorded (default sampling ≈ 1/s + 5%: we assume 5% of requests). */
  xrayTrace: 5 / 1e6,
  /** SNS standard topic, per publish request (deliveries to SQS carry no SNS charge). */
  snsPublish: 0.5 / 1e6,
} as const;

export interface CostInputs {
  /** Per SMS, measured. */
  readonly sqsRequestsPerSms: number;
  readonly wruPerSms: number;
  readonly rruPerSms: number;
  readonly kmsPerSms: number;
  readonly logBytesPerSms: number;
  /** Lambda invocations per SMS by function with memory (MB) and billed duration (ms) each. */
  readonly lambda: readonly {
    readonly fn: string;
    readonly invocationsPerSms: number;
    readonly memoryMb: number;
    readonly durationMs: number;
  }[];
  /** API requests per SMS (the POST itself; authorizer calls are cached per key). */
  readonly apiRequestsPerSms: number;
  /** SNS publishes per SMS (AWS End User Messaging SMS events: configuration set → SNS → SQS). */
  readonly snsPublishesPerSms?: number;
  /** Lambda platform lines per invocation (START/END/REPORT), bytes. */
  readonly platformLogBytesPerInvocation?: number;
}

export interface CostLine {
  readonly item: string;
  readonly perMillion: number;
  readonly basis: string;
}

export function costPerMillion(inputs: CostInputs): { lines: CostLine[]; total: number } {
  const m = 1e6;
  const invocations = inputs.lambda.reduce((sum, l) => sum + l.invocationsPerSms, 0);
  const gbSeconds = inputs.lambda.reduce(
    (sum, l) => sum + l.invocationsPerSms * (l.memoryMb / 1024) * (Math.ceil(l.durationMs) / 1000),
    0,
  );
  const logBytes = inputs.logBytesPerSms + invocations * (inputs.platformLogBytesPerInvocation ?? 350);
  const lines: CostLine[] = [
    {
      item: "API Gateway (REST)",
      perMillion: m * inputs.apiRequestsPerSms * PRICES.apiGatewayRestRequest,
      basis: `${inputs.apiRequestsPerSms} request/SMS`,
    },
    {
      item: "Lambda requests",
      perMillion: m * invocations * PRICES.lambdaRequest,
      basis: `${invocations.toFixed(2)} invocations/SMS`,
    },
    {
      item: "Lambda compute (arm64)",
      perMillion: m * gbSeconds * PRICES.lambdaArmGbSecond,
      basis: `${(gbSeconds * 1000).toFixed(2)} GB-ms/SMS`,
    },
    {
      item: "SNS (delivery events)",
      perMillion: m * (inputs.snsPublishesPerSms ?? 0) * PRICES.snsPublish,
      basis: `${(inputs.snsPublishesPerSms ?? 0).toFixed(2)} publishes/SMS`,
    },
    {
      item: "SQS",
      perMillion: m * inputs.sqsRequestsPerSms * PRICES.sqsRequest,
      basis: `${inputs.sqsRequestsPerSms.toFixed(2)} requests/SMS`,
    },
    {
      item: "DynamoDB writes",
      perMillion: m * inputs.wruPerSms * PRICES.dynamoWru,
      basis: `${inputs.wruPerSms.toFixed(2)} WRU/SMS`,
    },
    {
      item: "DynamoDB reads",
      perMillion: m * inputs.rruPerSms * PRICES.dynamoRru,
      basis: `${inputs.rruPerSms.toFixed(2)} RRU/SMS`,
    },
    {
      item: "KMS",
      perMillion: m * inputs.kmsPerSms * PRICES.kmsRequest,
      basis: `${inputs.kmsPerSms.toFixed(3)} requests/SMS`,
    },
    {
      item: "CloudWatch Logs ingest",
      perMillion: (m * logBytes * PRICES.logsIngestGb) / 1024 ** 3,
      basis: `${Math.round(logBytes)} bytes/SMS`,
    },
    {
      item: "X-Ray traces (5% sampled)",
      perMillion: m * inputs.apiRequestsPerSms * 0.05 * PRICES.xrayTrace,
      basis: "5% of API requests",
    },
  ];
  return { lines, total: lines.reduce((sum, line) => sum + line.perMillion, 0) };
}

/** How delivery reports reach us: a signed REST callback per SMS, or events on SNS → SQS. */
export type DlrPath = "api-gateway" | "sns-sqs";

export interface DlrPathFigures {
  /** Measured: SQS requests per SMS of the send/dispatch pipeline (without delivery events). */
  readonly pipelineSqsRequestsPerSms: number;
  /** Consumer batch size of the events queue (lib/catalog/carriers.ts). */
  readonly eventsBatchSize: number;
  /** Delivery events per SMS that reach the queue (AWS sends a non-final and a final one; TEXT_ALL). */
  readonly eventsPerSms: number;
}

/**
 * The parts of CostInputs that depend on the DLR path. Through API Gateway each DLR is a second REST
 * request and a dlr invocation. Through SNS → SQS each event is one SNS publish and one SQS send,
 * plus a receive and a delete per consumer batch, and one consumer invocation per batch.
 */
export function dlrPathInputs(
  path: DlrPath,
  figures: DlrPathFigures,
): Pick<CostInputs, "apiRequestsPerSms" | "snsPublishesPerSms" | "sqsRequestsPerSms"> & {
  readonly consumerInvocationsPerSms: number;
} {
  if (path === "api-gateway") {
    return {
      apiRequestsPerSms: 2,
      snsPublishesPerSms: 0,
      sqsRequestsPerSms: figures.pipelineSqsRequestsPerSms,
      consumerInvocationsPerSms: 1,
    };
  }
  const batches = figures.eventsPerSms / figures.eventsBatchSize;
  return {
    apiRequestsPerSms: 1,
    snsPublishesPerSms: figures.eventsPerSms,
    sqsRequestsPerSms: figures.pipelineSqsRequestsPerSms + figures.eventsPerSms + 2 * batches,
    consumerInvocationsPerSms: batches,
  };
}
