import { describe, expect, it } from "vitest";
import { type CostInputs, costPerMillion, priceLevers } from "../../bench/cost.ts";
import {
  accessLogLineBytes,
  costInputsFrom,
  DELIVERY_EVENTS_PER_SMS,
  platformLines,
} from "../../bench/cost-inputs.ts";
import { batchSend, LEVERS } from "../../bench/cost-levers.ts";
import { price } from "../../bench/prices.ts";
import type { PipelineFigures } from "../../bench/run.ts";
import { accessLogFormat } from "../../lib/api-construct.ts";
import { AWS_SMS_EVENTS_QUEUE, queueSpec } from "../../lib/catalog/index.ts";

/** A measured run of 100 SMS, in the shape bench/pipeline-child.ts writes. */
function pipelineRun(overrides: Partial<PipelineFigures> = {}): PipelineFigures {
  const accepted = 100;
  return {
    count: accepted,
    carrierLatencyMs: 50,
    statuses: { 202: accepted },
    acceptMs: 1000,
    acceptedPerSecond: 100,
    sendP50: 20,
    sendP99: 80,
    sequentialSendP50: 8,
    delivery: { submitted: accepted, delivered: accepted, submittedMs: 900, deliveredMs: 1200 },
    deliveredPerSecond: 80,
    accepted,
    calls: {
      byCommand: {},
      writesByTarget: {
        "Put local-messages": 100,
        "Update local-messages": 300,
        "Update local-carrier-quality": 200,
      },
      readsByTarget: { "Get local-messages": 900 },
      sqsRequests: 135,
      sqsSends: 100,
      dynamoWrites: 600,
      dynamoReads: 900,
      wru: 600,
      rru: 880,
    },
    injected: 0,
    batchesReceived: 10,
    messagesReceived: 100,
    kmsGenerateDataKey: 0,
    kmsDecrypt: 0,
    consumed: {
      wcu: 1600,
      gsiWcu: 600,
      rcu: 700,
      rcuConsistent: 400,
      byTarget: {
        "Put local-messages": { requests: 100, base: 200, gsi: 200 },
        "Update local-messages": { requests: 300, base: 600, gsi: 400 },
        "Update local-carrier-quality": { requests: 200, base: 200, gsi: 0 },
      },
      failedWrites: 3,
    },
    logBytes: 80_000,
    logLines: 300,
    logLeaks: [],
    // The cost model prices in-process runs: only there does the SDK meter see every call.
    execution: "in-process",
    callsMeasured: true,
    busyShare: { "platform thread": 0.9 },
    cpuMsPerSms: 10,
    ...overrides,
  };
}

const lineOf = (inputs: CostInputs, key: string) => {
  const found = costPerMillion(inputs).lines.find((line) => line.key === key);
  if (!found) throw new Error(`no cost line ${key}`);
  return found;
};

describe("the cost model", () => {
  it("bills DynamoDB writes as DynamoDB reports them (GSI writes, failed conditions), not per request", () => {
    const run = pipelineRun();
    const inputs = costInputsFrom(run);
    const expectedWcu = (1600 + 3) / run.accepted;
    expect(inputs.dynamo.wcuPerSms).toBeCloseTo(expectedWcu);
    expect(inputs.dynamo.gsiWcuPerSms).toBeCloseTo(600 / run.accepted);
    expect(inputs.dynamo.qualityWcuPerSms).toBeCloseTo(200 / run.accepted);
    expect(inputs.dynamo.messages).toEqual({
      puts: 1,
      putBaseWcu: 2,
      updates: 3,
      updateBaseWcu: 6,
      gsiWcu: 6,
    });
    expect(lineOf(inputs, "dynamoWrites").perMillion).toBeCloseTo(1e6 * expectedWcu * price("dynamoWru"));
    expect(lineOf(inputs, "dynamoReads").perMillion).toBeCloseTo(
      (1e6 * 700 * price("dynamoRru")) / run.accepted,
    );
  });

  it("counts each delivery event as an SNS publish, an SQS send and its share of a consumer batch", () => {
    const inputs = costInputsFrom(pipelineRun());
    const batchSize = queueSpec(AWS_SMS_EVENTS_QUEUE).consumer?.batchSize ?? 1;
    const eventBatches = DELIVERY_EVENTS_PER_SMS / batchSize;
    expect(lineOf(inputs, "sns").perMillion).toBeCloseTo(1e6 * DELIVERY_EVENTS_PER_SMS * price("snsPublish"));
    const sqsRequests =
      inputs.sqs.sendsPerSms + DELIVERY_EVENTS_PER_SMS + 2 * (inputs.sqs.batchesPerSms + eventBatches);
    expect(lineOf(inputs, "sqs").perMillion).toBeCloseTo(1e6 * sqsRequests * price("sqsRequest"));
    // send, dispatch per batch, events consumer per batch.
    const invocations = 1 + inputs.sqs.batchesPerSms + eventBatches;
    expect(lineOf(inputs, "lambdaRequests").perMillion).toBeCloseTo(
      1e6 * invocations * price("lambdaRequest"),
    );
  });

  it("adds what the local platform cannot log: Lambda's platform lines and the API access log", () => {
    const run = pipelineRun();
    const inputs = costInputsFrom(run);
    const result = costPerMillion(inputs);
    const logs = result.lines.find((line) => line.key === "logs");
    const appOnly = costPerMillion({
      ...inputs,
      api: { ...inputs.api, accessLogBytesPerRequest: 0 },
      logs: {
        ...inputs.logs,
        platformBytesPerInvocation: 0,
        platformLinesPerInvocation: 0,
        eventOverheadBytes: 0,
      },
    }).lines.find((line) => line.key === "logs");
    expect(logs?.perMillion).toBeGreaterThan(appOnly?.perMillion ?? Number.POSITIVE_INFINITY);
    expect(appOnly?.perMillion).toBeGreaterThan(
      (1e6 * (run.logBytes / run.accepted) * price("logsIngestGb")) / 1024 ** 3,
    );
  });

  it("prices one access-log line per request from the stage's own format, every variable filled", () => {
    const format = accessLogFormat().toString();
    const variables = format.match(/\$context\.[A-Za-z.]+/g) ?? [];
    expect(variables.length).toBeGreaterThan(5);
    // Each variable is replaced by a value at least as long as "-".
    expect(accessLogLineBytes()).toBeGreaterThanOrEqual(
      Buffer.byteLength(format) - variables.join("").length + variables.length,
    );
    expect(platformLines(1).bytes).toBeGreaterThan(platformLines(0).bytes);
  });

  it("keeps levers out of the total, and a batch endpoint divides the per-request lines", () => {
    const inputs = costInputsFrom(pipelineRun());
    const before = costPerMillion(inputs).total;
    const rows = priceLevers(inputs, LEVERS);
    expect(costPerMillion(inputs).total).toBe(before);
    expect(rows).toHaveLength(LEVERS.length + 1);
    const batched = batchSend(10).apply(inputs);
    expect(lineOf(batched, "api").perMillion).toBeCloseTo(lineOf(inputs, "api").perMillion / 10);
    expect(lineOf(batched, "waf").perMillion).toBeCloseTo(lineOf(inputs, "waf").perMillion / 10);
    // Send compute per SMS is unchanged: fewer, longer invocations.
    expect(lineOf(batched, "lambdaCompute").perMillion).toBeCloseTo(
      lineOf(inputs, "lambdaCompute").perMillion,
    );
    const together = rows.at(-1);
    const combinable = LEVERS.filter((lever) => lever.combinable);
    const expected = costPerMillion(combinable.reduce((acc, lever) => lever.apply(acc), inputs)).total;
    expect(together?.total).toBeCloseTo(expected);
    for (const row of rows) expect(row.saving).toBeCloseTo(before - row.total);
  });

  it("prices small status writes from the measured size of each messages write", () => {
    const inputs = costInputsFrom(pipelineRun());
    const lever = LEVERS.find((candidate) => candidate.name.startsWith("status writes"));
    const small = lever?.apply(inputs);
    // Measured: 8 base units over 4 writes, 2 units each; the payload Put keeps its size, the status Put adds 1.
    expect(small?.dynamo.messages).toEqual({
      puts: 1,
      putBaseWcu: 3,
      updates: 3,
      updateBaseWcu: 3,
      gsiWcu: 3,
    });
    expect(small?.dynamo.wcuPerSms).toBeCloseTo(inputs.dynamo.wcuPerSms + 1 - 3 - 3);
    expect(small?.dynamo.gsiWcuPerSms).toBeCloseTo(inputs.dynamo.gsiWcuPerSms - 3);
  });

  it("falls back to request counts for figures measured before consumed capacity was", () => {
    const run = pipelineRun({ consumed: undefined });
    const inputs = costInputsFrom(run);
    expect(inputs.dynamo.wcuPerSms).toBeCloseTo(run.calls.wru / run.accepted);
    expect(inputs.dynamo.gsiWcuPerSms).toBe(0);
    expect(inputs.sources.dynamoWrites).toMatch(/no GSI writes/);
  });
});
