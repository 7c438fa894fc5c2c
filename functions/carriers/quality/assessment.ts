import type { CarrierRoute } from "../model.ts";
import { type CarrierQualityReport, carrierQualityReport } from "../quality-report.ts";

/**
 * Vendor assessment (issue 10 §5): each enabled carrier's delivery rate over the last 24 h against
 * the rate agreed with it (its record's agreedDeliveryRate, else DEFAULT_AGREED_DELIVERY_RATE).
 * A carrier is judged only once MIN_FINAL_REPORTS messages reached a final report: three messages
 * with one undelivered are noise, not a breach.
 */
export const DEFAULT_AGREED_DELIVERY_RATE = 0.9;
export const MIN_FINAL_REPORTS = 10;

export interface CarrierAssessment {
  readonly carrierId: string;
  readonly deliveryRate: number | null;
  readonly finalReports: number;
  readonly agreedDeliveryRate: number;
  readonly belowAgreed: boolean;
}

export interface AssessmentDeps {
  readonly routes: () => Promise<readonly CarrierRoute[]>;
  readonly report: (carrierId: string) => Promise<CarrierQualityReport>;
}

export async function assessCarriers(
  deps: AssessmentDeps = { routes: defaultRoutes, report: (id) => carrierQualityReport(id) },
): Promise<CarrierAssessment[]> {
  const routes = (await deps.routes()).filter((route) => route.enabled);
  return Promise.all(
    routes.map(async (route) => {
      const { last24h } = await deps.report(route.carrierId);
      const finalReports = last24h.delivered + last24h.notDelivered;
      const agreedDeliveryRate = route.agreedDeliveryRate ?? DEFAULT_AGREED_DELIVERY_RATE;
      return {
        carrierId: route.carrierId,
        deliveryRate: last24h.deliveryRate,
        finalReports,
        agreedDeliveryRate,
        belowAgreed:
          finalReports >= MIN_FINAL_REPORTS &&
          last24h.deliveryRate !== null &&
          last24h.deliveryRate < agreedDeliveryRate,
      };
    }),
  );
}

async function defaultRoutes(): Promise<readonly CarrierRoute[]> {
  const { listCarrierRoutes } = await import("../store.ts");
  return listCarrierRoutes();
}
