/**
 * THE resource catalogue. CDK constructs (lib/) and the local platform (local/) both read this;
 * add a table, queue, key, function or route here and both pick it up.
 */
import { adminFunctions, adminRoutes } from "./admin.ts";
import { auditFunctions, auditRoutes, auditTables } from "./audit.ts";
import { carrierFunctions, carrierQueues, carrierSchedules, carrierTables } from "./carriers.ts";
import { identityFunctions, identityRoutes } from "./identity.ts";
import { incidentExposureFunctions, incidentExposureRoutes } from "./incident-exposure.ts";
import { messagingFunctions, messagingQueues, messagingRoutes, messagingTables } from "./messaging.ts";
import { operatorCarrierFunctions, operatorCarrierRoutes } from "./operator-carriers.ts";
import { platformFunctions, platformKeys, platformRoutes, platformTables } from "./platform.ts";
import { privacyFunctions, privacyQueues, privacyRoutes, privacyTables } from "./privacy.ts";
import { retentionFunctions, retentionRoutes, retentionSchedules } from "./retention.ts";
import { statusFunctions, statusRoutes, statusSchedules, statusTables } from "./status.ts";
import type { Catalog, FunctionSpec, QueueSpec, TableSpec } from "./types.ts";
import { verifyFunctions, verifyRoutes, verifyTables } from "./verify.ts";
import {
  webhookFunctions,
  webhookOutboxFunctions,
  webhookOutboxSchedules,
  webhookQueues,
  webhookRoutes,
  webhookTables,
} from "./webhooks.ts";

export * from "./api.ts";
export { AWS_SMS_EVENT_TYPES, AWS_SMS_EVENTS_FUNCTION, AWS_SMS_EVENTS_QUEUE } from "./carriers.ts";
export * from "./env.ts";
export * from "./iam-actions.ts";
export { SMPP_LEASE_SECONDS, smppConnectorGrants } from "./messaging.ts";
export * from "./metrics.ts";
export { NUMBER_INDEX } from "./privacy.ts";
export type * from "./types.ts";

export const catalog: Catalog = {
  tables: [
    ...platformTables,
    ...messagingTables,
    ...carrierTables,
    ...verifyTables,
    ...auditTables,
    ...statusTables,
    ...webhookTables,
    ...privacyTables,
  ],
  queues: [...messagingQueues, ...carrierQueues, ...webhookQueues, ...privacyQueues],
  keys: [...platformKeys],
  functions: [
    ...platformFunctions,
    ...messagingFunctions,
    ...carrierFunctions,
    ...verifyFunctions,
    ...identityFunctions,
    ...auditFunctions,
    ...statusFunctions,
    ...webhookFunctions,
    ...webhookOutboxFunctions,
    ...adminFunctions,
    ...retentionFunctions,
    ...incidentExposureFunctions,
    ...privacyFunctions,
    ...operatorCarrierFunctions,
  ],
  routes: [
    ...platformRoutes,
    ...messagingRoutes,
    ...verifyRoutes,
    ...identityRoutes,
    ...auditRoutes,
    ...statusRoutes,
    ...webhookRoutes,
    ...adminRoutes,
    ...retentionRoutes,
    ...incidentExposureRoutes,
    ...privacyRoutes,
    ...operatorCarrierRoutes,
  ],
  schedules: [...statusSchedules, ...carrierSchedules, ...retentionSchedules, ...webhookOutboxSchedules],
};

function byId<T extends { id: string }>(items: readonly T[], id: string, kind: string): T {
  const found = items.find((item) => item.id === id);
  if (!found) throw new Error(`catalog: unknown ${kind} "${id}"`);
  return found;
}

export const tableSpec = (id: string): TableSpec => byId(catalog.tables, id, "table");
export const queueSpec = (id: string): QueueSpec => byId(catalog.queues, id, "queue");
export const functionSpec = (id: string): FunctionSpec => byId(catalog.functions, id, "function");

/**
 * The redrive maxReceiveCount of a queue's DLQ (towards its parked queue). Whether a record moved to
 * a DLQ keeps its receive count differs between SQS implementations (the local emulator keeps it,
 * counting the receive that moved it), so the count carried over is added: the dead-letter consumer
 * gets at least parkAfterReceives tries either way, and at most maxReceiveCount + 1 more.
 */
export function deadLetterRedriveCount(spec: QueueSpec): number | undefined {
  if (spec.parkAfterReceives === undefined) return undefined;
  return spec.maxReceiveCount + 1 + spec.parkAfterReceives;
}
