import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { metricsEnabled } from "../shared/metrics-enabled.ts";

/**
 * Messaging metrics as CloudWatch EMF (namespace Textgate, service messaging). Dimensions stay
 * low-cardinality: Priority, Carrier (a handful), Outcome (a fixed set). Error codes go to logs.
 *   MessagesAccepted{Priority}  SegmentsAccepted{Priority}
 *   DispatchOutcome{Outcome}    (sent | reconciled | failed | expired | retry)
 *   CarrierSubmitLatency{Carrier} (ms)
 *   DeliveryReports{Carrier, Outcome} (delivered | undelivered | failed | duplicate | ignored)
 */
export interface MessagingMetrics {
  accepted(priority: string, segments: number): void;
  dispatched(outcome: string): void;
  carrierLatency(carrierId: string, ms: number): void;
  deliveryReport(carrierId: string, outcome: string): void;
}

type Unit = (typeof MetricUnit)[keyof typeof MetricUnit];

export const noMessagingMetrics: MessagingMetrics = {
  accepted: () => {},
  dispatched: () => {},
  carrierLatency: () => {},
  deliveryReport: () => {},
};

let shared: MessagingMetrics | undefined;

export function messagingMetrics(): MessagingMetrics {
  if (shared) return shared;
  if (!metricsEnabled()) {
    shared = noMessagingMetrics;
    return shared;
  }
  const metrics = new Metrics({ namespace: "Textgate", serviceName: "messaging" });
  const emit = (name: string, unit: Unit, value: number, dimensions: Record<string, string>): void => {
    // singleMetric flushes at once with its own dimensions: no middleware has to publish it.
    const single = metrics.singleMetric();
    for (const [key, dimension] of Object.entries(dimensions)) single.addDimension(key, dimension);
    single.addMetric(name, unit, value);
  };
  shared = {
    accepted(priority, segments) {
      emit("MessagesAccepted", MetricUnit.Count, 1, { Priority: priority });
      emit("SegmentsAccepted", MetricUnit.Count, segments, { Priority: priority });
    },
    dispatched: (outcome) => emit("DispatchOutcome", MetricUnit.Count, 1, { Outcome: outcome }),
    carrierLatency: (carrierId, ms) =>
      emit("CarrierSubmitLatency", MetricUnit.Milliseconds, ms, { Carrier: carrierId }),
    deliveryReport: (carrierId, outcome) =>
      emit("DeliveryReports", MetricUnit.Count, 1, { Carrier: carrierId, Outcome: outcome }),
  };
  return shared;
}
