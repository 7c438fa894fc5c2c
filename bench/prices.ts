/**
 * AWS list prices the cost model uses: eu-central-1, on-demand, no free tier, first pricing tier.
 * One table, each price with the page it comes from; update a price, its source and PRICES_AS_OF
 * together. They were taken from the public price pages and not re-checked offline.
 */
export const PRICES_AS_OF = "2025-06";

export interface ListPrice {
  /** US dollars per unit. */
  readonly usd: number;
  readonly unit: string;
  readonly source: string;
}

const perMillion = (usd: number, unit: string, source: string): ListPrice => ({
  usd: usd / 1e6,
  unit,
  source,
});

export const PRICES = {
  apiGatewayRestRequest: perMillion(
    3.7,
    "REST API request (first 333M/month)",
    "aws.amazon.com/api-gateway/pricing",
  ),
  apiGatewayHttpRequest: perMillion(
    1.2,
    "HTTP API request (first 300M/month)",
    "aws.amazon.com/api-gateway/pricing",
  ),
  wafRequest: perMillion(0.6, "web ACL request inspected", "aws.amazon.com/waf/pricing"),
  lambdaRequest: perMillion(0.2, "invocation", "aws.amazon.com/lambda/pricing"),
  lambdaArmGbSecond: { usd: 0.0000133334, unit: "GB-second, arm64", source: "aws.amazon.com/lambda/pricing" },
  sqsRequest: perMillion(0.4, "standard queue request (≤ 64 KB)", "aws.amazon.com/sqs/pricing"),
  snsPublish: perMillion(
    0.5,
    "standard topic publish (deliveries to SQS are free)",
    "aws.amazon.com/sns/pricing",
  ),
  dynamoWru: perMillion(
    0.7625,
    "on-demand write request unit (after the Nov 2024 cut)",
    "aws.amazon.com/dynamodb/pricing/on-demand",
  ),
  dynamoRru: perMillion(0.1525, "on-demand read request unit", "aws.amazon.com/dynamodb/pricing/on-demand"),
  kmsRequest: { usd: 0.03 / 1e4, unit: "symmetric API request", source: "aws.amazon.com/kms/pricing" },
  logsIngestGb: {
    usd: 0.63,
    unit: "GB ingested, standard class (Lambda logs are tiered below this above 10 TB)",
    source: "aws.amazon.com/cloudwatch/pricing",
  },
  xrayTrace: perMillion(5, "trace recorded", "aws.amazon.com/xray/pricing"),
} as const satisfies Record<string, ListPrice>;

export type PriceName = keyof typeof PRICES;

/** The same prices as plain numbers, for the model's arithmetic. */
export const price = (name: PriceName): number => PRICES[name].usd;
