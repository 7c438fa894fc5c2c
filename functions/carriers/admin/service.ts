/**
 * Carrier use cases of the operator plane: add, change, disable, list with quality figures, report.
 * Carriers belong to no customer account: each change is recorded in the operator log only (actor
 * type operator, the IAM principal ARN, source IP, request id, reason). Secrets never reach a log
 * or an audit detail: the store seals them with the field key as the request arrives.
 */

import { OPERATOR_LOG } from "../../admin/operator-log.ts";
import type { OperatorCall } from "../../admin/ports.ts";
import type { AuditLog } from "../../audit/port.ts";
import { maskPhone } from "../../shared/mask.ts";
import { DomainError } from "../../shared/problem.ts";
import { type RouteEntry, registrationOf } from "../entry-schema.ts";
import type { CarrierRoute } from "../model.ts";
import type { CarrierQualityReport } from "../quality-report.ts";
import type { CarrierRouteChange, RegisterCarrierInput } from "../store.ts";

export interface CarrierAdminDeps {
  readonly audit: AuditLog;
  readonly routes: () => Promise<readonly CarrierRoute[]>;
  /** Registers a new route; throws CarrierExistsError when the id is taken. */
  readonly register: (input: RegisterCarrierInput) => Promise<CarrierRoute>;
  /** Undefined when the carrier does not exist. */
  readonly change: (carrierId: string, change: CarrierRouteChange) => Promise<CarrierRoute | undefined>;
  readonly report: (carrierId: string) => Promise<CarrierQualityReport>;
  /** The public DLR URL base for new http carriers (unset: the dispatcher's public API URL). */
  readonly publicApiUrl?: string;
}

export async function recordCarrierAction(
  action: string,
  carrierId: string,
  call: OperatorCall,
  deps: Pick<CarrierAdminDeps, "audit">,
  details: Readonly<Record<string, string | number | boolean>> = {},
): Promise<void> {
  await deps.audit.record({
    accountId: OPERATOR_LOG,
    action,
    actor: { type: "operator", id: call.arn },
    outcome: "success",
    target: { type: "carrier", id: carrierId },
    sourceIp: call.sourceIp,
    requestId: call.requestId,
    details: { ...details, ...(call.reason ? { reason: call.reason } : {}) },
  });
}

/** What operators see of a route: no secrets, no ciphers, probe numbers masked. */
export function carrierView(route: CarrierRoute) {
  return {
    carrierId: route.carrierId,
    name: route.name,
    protocol: route.protocol,
    baseUrl: route.baseUrl,
    tls: route.tls,
    prefixes: [...route.prefixes],
    priority: route.priority,
    weight: route.weight,
    enabled: route.enabled,
    ...(route.agreedDeliveryRate !== undefined ? { agreedDeliveryRate: route.agreedDeliveryRate } : {}),
    ...(route.qualityProbe
      ? {
          qualityProbe: {
            accountId: route.qualityProbe.accountId,
            testNumbers: route.qualityProbe.testNumbers.map(maskPhone),
          },
        }
      : {}),
  };
}

/** Every route with its 24 h and 7 d figures (in total, per country and per route prefix). */
export async function listCarriersWithQuality(deps: Pick<CarrierAdminDeps, "routes" | "report">) {
  const routes = await deps.routes();
  return Promise.all(
    routes.map(async (route) => {
      const { last24h, last7d } = await deps.report(route.carrierId);
      return { ...carrierView(route), quality: { last24h, last7d } };
    }),
  );
}

export async function carrierQuality(
  carrierId: string,
  deps: Pick<CarrierAdminDeps, "routes" | "report">,
): Promise<CarrierQualityReport> {
  await existingRoute(carrierId, deps);
  return deps.report(carrierId);
}

export async function addCarrier(entry: RouteEntry, call: OperatorCall, deps: CarrierAdminDeps) {
  const dlrUrl =
    entry.type === "http" && deps.publicApiUrl
      ? `${deps.publicApiUrl}/v1/carriers/${entry.id}/dlr`
      : undefined;
  let route: CarrierRoute;
  try {
    route = await deps.register(registrationOf(entry, dlrUrl));
  } catch (error) {
    if (error instanceof Error && error.name === "CarrierExistsError")
      throw new DomainError("conflict", `Carrier ${entry.id} exists; change it with PATCH`);
    throw error;
  }
  await recordCarrierAction("carrier.added", route.carrierId, call, deps, {
    protocol: route.protocol,
    prefixes: route.prefixes.join(","),
    tls: route.tls,
    enabled: route.enabled,
  });
  return carrierView(route);
}

export interface CarrierChangeInput extends Omit<CarrierRouteChange, "secrets" | "enabled"> {
  readonly enabled?: true;
  readonly apiToken?: string;
  readonly dlrSecret?: string;
}

export async function updateCarrier(
  carrierId: string,
  input: CarrierChangeInput,
  call: OperatorCall,
  deps: CarrierAdminDeps,
) {
  const { apiToken, dlrSecret, ...fields } = input;
  const current = await existingRoute(carrierId, deps);
  const rotates = apiToken !== undefined && dlrSecret !== undefined;
  if (rotates && current.protocol !== "http") {
    throw new DomainError("unprocessable-entity", `A ${current.protocol} carrier has no secrets to rotate`);
  }
  const route = await deps.change(carrierId, {
    ...fields,
    ...(rotates ? { secrets: { apiToken, dlrSecret } } : {}),
  });
  if (!route) throw new DomainError("not-found", `No carrier ${carrierId}`);
  // Which fields changed, never their secret values.
  const changed = [...Object.keys(fields), ...(rotates ? ["secrets"] : [])].sort().join(",");
  await recordCarrierAction("carrier.updated", carrierId, call, deps, { changed });
  return carrierView(route);
}

export async function disableCarrier(carrierId: string, call: OperatorCall, deps: CarrierAdminDeps) {
  await existingRoute(carrierId, deps);
  const route = await deps.change(carrierId, { enabled: false });
  if (!route) throw new DomainError("not-found", `No carrier ${carrierId}`);
  await recordCarrierAction("carrier.disabled", carrierId, call, deps);
  return carrierView(route);
}

async function existingRoute(
  carrierId: string,
  deps: Pick<CarrierAdminDeps, "routes">,
): Promise<CarrierRoute> {
  const route = (await deps.routes()).find((candidate) => candidate.carrierId === carrierId);
  if (!route) throw new DomainError("not-found", `No carrier ${carrierId}`);
  return route;
}
