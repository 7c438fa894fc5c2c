import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { alertMetrics, metricsNamespace } from "../../lib/catalog/metrics.ts";
import type { CarrierAssessment } from "../carriers/quality/assessment.ts";
import { metricsEnabled } from "../shared/metrics-enabled.ts";

type Unit = (typeof MetricUnit)[keyof typeof MetricUnit];

/**
 * Per carrier: DeliveryRate (Percent, 24 h, dimension Carrier) every probe minute, and
 * CarrierDeliveryBelowAgreed (Count) for each carrier under its agreed rate, also without the
 * Carrier dimension: the one alarm (lib/monitoring-construct.ts) covers carriers registered at run
 * time, whose thresholds live in their records, not in the stack.
 */
export function emitDeliveryMetrics(
  assessment: readonly CarrierAssessment[],
  metrics: Metrics | undefined = metricsEnabled()
    ? new Metrics({
        namespace: metricsNamespace,
        serviceName: alertMetrics.carrierDeliveryBelowAgreed.service,
      })
    : undefined,
): void {
  if (!metrics) return;
  const emit = (name: string, unit: Unit, value: number, dimensions: Record<string, string>) => {
    const single = metrics.singleMetric();
    for (const [key, dimension] of Object.entries(dimensions)) single.addDimension(key, dimension);
    single.addMetric(name, unit, value);
  };
  for (const carrier of assessment) {
    if (carrier.deliveryRate !== null) {
      emit("DeliveryRate", MetricUnit.Percent, Math.round(carrier.deliveryRate * 1000) / 10, {
        Carrier: carrier.carrierId,
      });
    }
    if (carrier.belowAgreed) {
      emit(alertMetrics.carrierDeliveryBelowAgreed.name, MetricUnit.Count, 1, { Carrier: carrier.carrierId });
      emit(alertMetrics.carrierDeliveryBelowAgreed.name, MetricUnit.Count, 1, {});
    }
  }
}
