/**
 * The prober's checks, made the way a request would make them: a GetItem on the table (through
 * the same client and grants a handler uses), GetQueueAttributes on the queue.
 */
import { GetQueueAttributesCommand } from "@aws-sdk/client-sqs";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { assessCarriers, type CarrierAssessment } from "../carriers/quality/assessment.ts";
import { dynamoClient, sqsClient } from "../shared/aws.ts";
import { queueUrl, tableName } from "../shared/config.ts";
import type { StatusComponent } from "./components.ts";
import type { Checker, Observation } from "./probe.ts";

/** A check slower than this is an outage for that minute (the SDK's own retries included). */
export const CHECK_TIMEOUT_MS = 5000;

// A key no item ever has: the read costs the same as a real one and returns nothing.
const PROBE_KEY = { pk: "STATUS#probe", sk: "STATUS#probe" };

/** The checker; `onAssessment` sees each run's carrier assessment (the probe handler's metrics). */
export const awsCheckerWith =
  (onAssessment: (assessment: readonly CarrierAssessment[]) => void = () => {}): Checker =>
  async (component) => {
    if (component.check.kind !== "delivery") return awsChecker(component);
    const assessment = await withTimeout(assessCarriers(), CHECK_TIMEOUT_MS);
    onAssessment(assessment);
    return {
      kind: "delivery",
      carriersBelowAgreed: assessment.filter((carrier) => carrier.belowAgreed).length,
    };
  };

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`check took longer than ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

export const awsChecker: Checker = async (component: StatusComponent): Promise<Observation> => {
  if (component.check.kind === "delivery") return awsCheckerWith()(component);
  const abortSignal = AbortSignal.timeout(CHECK_TIMEOUT_MS);
  if (component.check.kind === "table") {
    const started = performance.now();
    await dynamoClient().send(
      new GetCommand({ TableName: tableName(component.check.table), Key: PROBE_KEY }),
      {
        abortSignal,
      },
    );
    return { kind: "table", latencyMs: Math.round(performance.now() - started) };
  }
  const result = await sqsClient().send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl(component.check.queue),
      AttributeNames: ["ApproximateNumberOfMessages"],
    }),
    { abortSignal },
  );
  const waiting = Number(result.Attributes?.ApproximateNumberOfMessages ?? Number.NaN);
  if (!Number.isFinite(waiting)) throw new Error("queue attributes without ApproximateNumberOfMessages");
  return { kind: "queue", waiting };
};
