import { tokenSigner } from "../identity/signing.ts";
import { systemClock } from "../shared/clock.ts";
import { type HttpRequest, httpHandler, type MediaResponse, route } from "../shared/http.ts";
import type { Principal } from "../shared/principal.ts";
import { DomainError } from "../shared/problem.ts";
import { exportAuditEvents, queryAuditEvents } from "./query.ts";
import { auditExportQuery, auditPageView, auditQuery, auditVerifyView } from "./schemas.ts";
import { dynamoAuditLog } from "./store.ts";
import { verifyAuditChains } from "./verify.ts";

/** JSON Lines (one event per line, oldest first), for a SIEM; see docs/audit.md. */
const jsonLines: MediaResponse = { kind: "media", mediaType: "application/x-ndjson" };
/** Keeps one export response well under Lambda's 6 MB; the rest follows by cursor. */
export const EXPORT_PAGE_EVENTS = 2000;
/** Response header carrying the cursor of the next export page (absent on the last page). */
export const EXPORT_NEXT_CURSOR_HEADER = "Textgate-Next-Cursor";

const auditLog = dynamoAuditLog(systemClock);

const invalidCursor = (error: unknown): never => {
  if ((error as Error).name === "InvalidCursor") {
    throw new DomainError("validation-failed", "cursor is not valid", {
      errors: [{ field: "cursor", message: "not a cursor from this listing" }],
    });
  }
  throw error;
};

const caller = (principal: Principal | undefined): Principal => {
  if (!principal) throw new DomainError("unauthorized");
  return principal;
};

const requestMeta = (request: HttpRequest<unknown, unknown, unknown>) => ({
  sourceIp: request.sourceIp,
  requestId: request.requestId,
  ...(request.headers["user-agent"] ? { userAgent: request.headers["user-agent"] } : {}),
});

export const handler = httpHandler({
  "GET /v1/audit/events": route({
    query: auditQuery,
    responses: { 200: auditPageView },
    run: async ({ query, principal }) => {
      const { accountId } = caller(principal);
      const page = await queryAuditEvents({ ...query, accountId }, systemClock).catch(invalidCursor);
      return { status: 200, body: page };
    },
  }),
  "GET /v1/audit/verify": route({
    responses: { 200: auditVerifyView },
    run: async ({ principal }) => {
      const { accountId } = caller(principal);
      const report = await verifyAuditChains(accountId, {
        clock: systemClock,
        publicKey: () => tokenSigner().publicKey(),
      });
      return { status: 200, body: report };
    },
  }),
  "GET /v1/audit/export": route({
    query: auditExportQuery,
    responses: { 200: jsonLines },
    run: async (request) => {
      const { query } = request;
      const principal = caller(request.principal);
      const { events, nextCursor } = await exportAuditEvents(
        { accountId: principal.accountId, ...query, maxEvents: EXPORT_PAGE_EVENTS },
        systemClock,
      ).catch(invalidCursor);
      // Recorded after the read: an export never contains its own record.
      await auditLog.record({
        accountId: principal.accountId,
        action: "audit.exported",
        actor: { type: principal.type, id: principal.principalId },
        outcome: "success",
        ...requestMeta(request),
        details: {
          ...(query.from ? { from: query.from } : {}),
          ...(query.to ? { to: query.to } : {}),
          events: events.length,
        },
      });
      return {
        status: 200,
        rawBody: events.map((event) => `${JSON.stringify(event)}\n`).join(""),
        headers: {
          "Content-Type": jsonLines.mediaType,
          ...(nextCursor ? { [EXPORT_NEXT_CURSOR_HEADER]: nextCursor } : {}),
        },
      };
    },
  }),
});
