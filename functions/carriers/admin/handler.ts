/**
 * The operator API's carrier routes (catalogue function admin-carriers): list with quality figures,
 * add, change, disable, quality report. Test sends run in the carrier-test-sends function, which has
 * the grants to store and submit messages (functions/carriers/admin/test-send-route.ts).
 */
import { operatorCall } from "../../admin/operator-call.ts";
import { dynamoAuditLog } from "../../audit/store.ts";
import { systemClock } from "../../shared/clock.ts";
import { httpHandler, route } from "../../shared/http.ts";
import { carrierQualityReport } from "../quality-report.ts";
import { changeCarrierRoute, readCarrierRoutes, registerCarrier } from "../store.ts";
import {
  addCarrierBody,
  carrierList,
  carrierParams,
  carrierView,
  disableCarrierBody,
  qualityReportView,
  updateCarrierBody,
} from "./schemas.ts";
import {
  addCarrier,
  type CarrierAdminDeps,
  carrierQuality,
  disableCarrier,
  listCarriersWithQuality,
  updateCarrier,
} from "./service.ts";

let shared: CarrierAdminDeps | undefined;
const deps = (): CarrierAdminDeps => {
  shared ??= {
    audit: dynamoAuditLog(systemClock),
    routes: readCarrierRoutes,
    register: (input) => registerCarrier(input, undefined, { onlyIfNew: true }),
    change: (carrierId, change) => changeCarrierRoute(carrierId, change),
    report: (carrierId) => carrierQualityReport(carrierId),
    ...(process.env.TEXTGATE_PUBLIC_API_URL ? { publicApiUrl: process.env.TEXTGATE_PUBLIC_API_URL } : {}),
  };
  return shared;
};

export const handler = httpHandler({
  "GET /v1/admin/carriers": route({
    responses: { 200: carrierList },
    run: async (request) => {
      operatorCall(request);
      return { status: 200, body: { carriers: await listCarriersWithQuality(deps()) } };
    },
  }),
  "POST /v1/admin/carriers": route({
    body: addCarrierBody,
    responses: { 201: carrierView },
    problems: ["conflict"],
    run: async (request) => {
      const call = operatorCall(request, request.body.reason);
      return { status: 201, body: await addCarrier(request.body.carrier, call, deps()) };
    },
  }),
  "PATCH /v1/admin/carriers/{carrierId}": route({
    params: carrierParams,
    body: updateCarrierBody,
    responses: { 200: carrierView },
    problems: ["unprocessable-entity"],
    run: async (request) => {
      const { reason, ...change } = request.body;
      const call = operatorCall(request, reason);
      return { status: 200, body: await updateCarrier(request.params.carrierId, change, call, deps()) };
    },
  }),
  "POST /v1/admin/carriers/{carrierId}/disable": route({
    params: carrierParams,
    body: disableCarrierBody,
    responses: { 200: carrierView },
    run: async (request) => {
      const call = operatorCall(request, request.body.reason);
      return { status: 200, body: await disableCarrier(request.params.carrierId, call, deps()) };
    },
  }),
  "GET /v1/admin/carriers/{carrierId}/quality": route({
    params: carrierParams,
    responses: { 200: qualityReportView },
    run: async (request) => {
      operatorCall(request);
      return { status: 200, body: await carrierQuality(request.params.carrierId, deps()) };
    },
  }),
});
