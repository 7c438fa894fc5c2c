import { requireLiveUser } from "../identity/live-principal.ts";
import { httpHandler, route } from "../shared/http.ts";
import { DomainError } from "../shared/problem.ts";
import { getErasureReceipt, requestErasure } from "./erasure.ts";
import { exportDataSubject, loadExport } from "./export.ts";
import {
  dataSubjectBody,
  erasureAccepted,
  erasureParams,
  erasureReceipt,
  exportDocument,
  exportParams,
  exportPending,
} from "./schemas.ts";
import { privacyDeps } from "./wiring.ts";

/** Data-subject requests: owners and admins only, as signed-in users (live role check). */
const manager = (principal: Parameters<typeof requireLiveUser>[0]) =>
  requireLiveUser(principal, "privacy:manage", privacyDeps().clock);
const meta = (request: { sourceIp: string; requestId: string }) => ({
  sourceIp: request.sourceIp,
  requestId: request.requestId,
});

export const handler = httpHandler({
  "POST /v1/privacy/exports": route({
    body: dataSubjectBody,
    responses: { 200: exportDocument, 202: exportPending },
    run: async (request) => {
      const principal = await manager(request.principal);
      const outcome = await exportDataSubject(
        request.body.phone.e164,
        principal,
        meta(request),
        privacyDeps(),
      );
      if (outcome.inline) return { status: 200, body: outcome.document };
      const { id, items, expiresAt } = outcome;
      const url = `/v1/privacy/exports/${id}`;
      return { status: 202, body: { id, items, url, expiresAt }, headers: { Location: url } };
    },
  }),
  "GET /v1/privacy/exports/{exportId}": route({
    params: exportParams,
    responses: { 200: exportDocument },
    run: async (request) => {
      const principal = await manager(request.principal);
      const text = await loadExport(request.params.exportId, principal, privacyDeps());
      if (text === undefined) throw new DomainError("not-found", "No such export (exports are kept 24 h)");
      return { status: 200, body: exportDocument.parse(JSON.parse(text)) };
    },
  }),
  "POST /v1/privacy/erasures": route({
    body: dataSubjectBody,
    responses: { 202: erasureAccepted },
    run: async (request) => {
      const principal = await manager(request.principal);
      const body = await requestErasure(request.body.phone.e164, principal, meta(request), privacyDeps());
      return { status: 202, body, headers: { Location: `/v1/privacy/erasures/${body.id}` } };
    },
  }),
  "GET /v1/privacy/erasures/{erasureId}": route({
    params: erasureParams,
    responses: { 200: erasureReceipt },
    run: async (request) => {
      const principal = await manager(request.principal);
      return {
        status: 200,
        body: await getErasureReceipt(request.params.erasureId, principal, privacyDeps()),
      };
    },
  }),
});
