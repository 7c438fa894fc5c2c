import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { alertMetrics, metricsNamespace } from "../../lib/catalog/metrics.ts";
import type { VerifyMetrics } from "./ports.ts";

/**
 * Verify metrics as CloudWatch EMF (Powertools). Dimensions stay low-cardinality (Country only);
 * per-prefix detail goes to logs. Alarm on VerifyConversionRate (Percent, by Country) below the
 * threshold, or on VerifyConversionLow > 0, which is emitted with the same dimension when the
 * recent conversion of a country is under the fraud policy's alert floor.
 */
type Unit = (typeof MetricUnit)[keyof typeof MetricUnit];

export function powertoolsVerifyMetrics(
  metrics = new Metrics({ namespace: metricsNamespace, serviceName: alertMetrics.verifyBlocked.service }),
): VerifyMetrics {
  const emit = (name: string, unit: Unit, value: number, dimensions: Record<string, string>): void => {
    // singleMetric flushes at once with its own dimensions, so no middleware has to publish it.
    const single = metrics.singleMetric();
    for (const [key, dimension] of Object.entries(dimensions)) single.addDimension(key, dimension);
    single.addMetric(name, unit, value);
  };
  return {
    sent: (country) => emit("VerifySent", MetricUnit.Count, 1, { Country: country }),
    approved: (country) => emit("VerifyApproved", MetricUnit.Count, 1, { Country: country }),
    blocked(country, reason) {
      emit(alertMetrics.verifyBlocked.name, MetricUnit.Count, 1, { Country: country, Reason: reason });
      // Also without dimensions of its own, for the all-countries alarm (lib/monitoring-construct.ts).
      emit(alertMetrics.verifyBlocked.name, MetricUnit.Count, 1, {});
    },
    conversion(country, rate, low) {
      emit("VerifyConversionRate", MetricUnit.Percent, Math.round(rate * 1000) / 10, { Country: country });
      if (low) {
        emit(alertMetrics.verifyConversionLow.name, MetricUnit.Count, 1, { Country: country });
        emit(alertMetrics.verifyConversionLow.name, MetricUnit.Count, 1, {});
      }
    },
    prefixConversionLow: (country) =>
      emit("VerifyPrefixConversionLow", MetricUnit.Count, 1, { Country: country }),
  };
}

/** For tests and callers that do not want metrics. */
export const noVerifyMetrics: VerifyMetrics = {
  sent: () => {},
  approved: () => {},
  blocked: () => {},
  conversion: () => {},
  prefixConversionLow: () => {},
};
