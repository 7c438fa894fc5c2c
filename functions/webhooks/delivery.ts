import { auditInput, systemActor } from "../audit/context.ts";
import { newId } from "../shared/ids.ts";
import { logger } from "../shared/logger.ts";
import type { DeliveryAttempt, PostOutcome, SigningSecret, WebhookDeps, WebhookEndpoint } from "./ports.ts";
import {
  callbackEndpointId,
  type DeliveryRecord,
  type EventRecord,
  type WebhookEventPayload,
} from "./schemas.ts";
import { activeSecrets, signedHeaders } from "./signing.ts";

/**
 * Waits after failed attempt n (1-based): 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h — a little over a
 * day in all, then the event is dead: recorded as such in the delivery history and moved to the
 * webhooks queue's DLQ (alarmed). A redrive from there gives it one more attempt (attempt n + 1).
 */
export const RETRY_SCHEDULE_SECONDS = [5, 300, 1800, 7200, 18_000, 36_000, 36_000] as const;
export const MAX_ATTEMPTS = RETRY_SCHEDULE_SECONDS.length + 1;
/** A failing streak this long disables the endpoint and tells its owner (audit event). */
export const DISABLE_AFTER_MS = 24 * 3600 * 1000;
/** SQS DelaySeconds cannot exceed 15 min: longer waits re-delay until notBefore. */
export const MAX_SQS_DELAY_SECONDS = 900;
/** Wait before trying again when every slot of an endpoint is busy. */
export const BUSY_RETRY_SECONDS = 5;
/** A slot lease outlives one send (timeout + slack), so a dead sender frees it by itself. */
export const SLOT_LEASE_MS = 20_000;

/** ±20 % jitter so retries of many events to one endpoint do not arrive in lockstep. */
export const jittered = (seconds: number, random: () => number): number =>
  Math.max(1, Math.round(seconds * (0.8 + 0.4 * random())));

const subscribed = (endpoint: WebhookEndpoint, type: WebhookEventPayload["type"]): boolean =>
  endpoint.enabled && endpoint.events.includes(type);

/**
 * One published event → one queued delivery per enabled, subscribed endpoint of the account, plus
 * one to the message's own callbackUrl when it has one (same sender, retries, SSRF guard, history).
 */
export async function fanOut(record: EventRecord, deps: WebhookDeps): Promise<number> {
  const { payload } = record;
  const endpoints = (await deps.endpoints.list(record.accountId)).filter((e) => subscribed(e, payload.type));
  const targets: { endpointId: string; callbackUrl?: string }[] = endpoints.map((e) => ({
    endpointId: e.id,
  }));
  if (record.callbackUrl) {
    targets.push({ endpointId: callbackEndpointId(record.accountId), callbackUrl: record.callbackUrl });
  }
  for (const { endpointId, callbackUrl } of targets) {
    if (!(await deps.payloads.claimFanOut(record.eventId, endpointId, payload))) continue;
    await deps.queue.enqueue(
      {
        v: 1,
        kind: "delivery",
        eventId: record.eventId,
        accountId: record.accountId,
        endpointId,
        ...(callbackUrl ? { callbackUrl } : {}),
        attempt: 1,
      },
      0,
    );
    await deps.payloads.markFannedOut(record.eventId, endpointId);
  }
  return targets.length;
}

/**
 * Where one delivery goes and what signs it. `endpoint` is set for registered endpoints only: a
 * message's callbackUrl has no endpoint state (no failing streak, nothing to disable).
 */
interface DeliveryTarget {
  readonly id: string;
  readonly url: string;
  readonly secrets: readonly SigningSecret[];
  readonly endpoint?: WebhookEndpoint;
}

async function targetOf(record: DeliveryRecord, deps: WebhookDeps): Promise<DeliveryTarget | undefined> {
  if (record.callbackUrl) {
    const secrets = await deps.accountSecrets.active(record.accountId);
    return { id: record.endpointId, url: record.callbackUrl, secrets };
  }
  const endpoint = await deps.endpoints.get(record.accountId, record.endpointId);
  if (!endpoint?.enabled) return undefined;
  return { id: endpoint.id, url: endpoint.url, secrets: endpoint.secrets, endpoint };
}

/** Re-enqueues a record to run at notBefore (epoch ms), in hops of at most 15 min. */
async function delayUntil(record: DeliveryRecord, notBefore: number, deps: WebhookDeps): Promise<void> {
  const waitSeconds = Math.ceil((notBefore - deps.clock.now().getTime()) / 1000);
  await deps.queue.enqueue(
    { ...record, notBefore },
    Math.min(MAX_SQS_DELAY_SECONDS, Math.max(0, waitSeconds)),
  );
}

export type DeliveryResult = "delivered" | "retrying" | "gone" | "dead" | "disabled" | "skipped" | "deferred";

/** One attempt of one event to one endpoint; every outcome is final for this SQS record. */
export async function deliver(record: DeliveryRecord, deps: WebhookDeps): Promise<DeliveryResult> {
  const now = deps.clock.now();
  if (record.notBefore !== undefined && record.notBefore > now.getTime() + 1000) {
    await delayUntil(record, record.notBefore, deps);
    return "deferred";
  }
  const target = await targetOf(record, deps);
  if (!target) return "skipped";
  const payload = await deps.payloads.get(record.eventId, record.endpointId);
  if (!payload) return "skipped";

  const slot = await deps.slots.acquire(target.id, now.getTime(), SLOT_LEASE_MS);
  if (slot === undefined) {
    // Per-endpoint concurrency: a slow customer waits for its own slots, not the others'.
    await delayUntil(record, now.getTime() + jittered(BUSY_RETRY_SECONDS, deps.random) * 1000, deps);
    return "deferred";
  }
  let outcome: PostOutcome;
  try {
    const body = JSON.stringify(payload);
    const headers = signedHeaders(record.eventId, body, activeSecrets(target.secrets, now), now);
    outcome = await deps.post({ url: target.url, headers, body });
  } finally {
    await deps.slots.release(target.id, slot);
  }
  const result = await settle(record, target.endpoint, outcome, deps);
  const attempt: DeliveryAttempt = {
    id: newId("dlv"),
    endpointId: target.id,
    eventId: record.eventId,
    type: payload.type,
    attempt: record.attempt,
    outcome: result,
    ...(outcome.kind === "response" ? { statusCode: outcome.status } : { error: outcome.error }),
    latencyMs: outcome.latencyMs,
    at: now.toISOString(),
  };
  await deps.deliveries.record(attempt);
  logger.info("webhook attempt", {
    webhookId: target.id,
    eventId: record.eventId,
    attempt: record.attempt,
    outcome: result,
    ...(outcome.kind === "response" ? { statusCode: outcome.status } : { error: outcome.error }),
  });
  return result;
}

/** `endpoint` undefined: a message's callbackUrl, which follows the schedule but has no state. */
async function settle(
  record: DeliveryRecord,
  endpoint: WebhookEndpoint | undefined,
  outcome: PostOutcome,
  deps: WebhookDeps,
): Promise<Exclude<DeliveryResult, "skipped" | "deferred">> {
  const now = deps.clock.now();
  if (outcome.kind === "response" && outcome.status >= 200 && outcome.status < 300) {
    if (endpoint?.failingSince) await deps.endpoints.noteSuccess(endpoint.accountId, endpoint.id);
    return "delivered";
  }
  if (outcome.kind === "response" && outcome.status === 410) {
    if (endpoint) await disableEndpoint(endpoint, "gone", deps);
    return "gone";
  }
  if (endpoint) {
    const failingSince = await deps.endpoints.noteFailure(endpoint.accountId, endpoint.id, now.toISOString());
    if (now.getTime() - new Date(failingSince).getTime() >= DISABLE_AFTER_MS) {
      await disableEndpoint(endpoint, "failing", deps);
      return "disabled";
    }
  }
  const wait = RETRY_SCHEDULE_SECONDS[record.attempt - 1];
  if (wait === undefined) {
    const { notBefore: _due, ...dead } = record;
    await deps.deadLetters.deadLetter({ ...dead, attempt: record.attempt + 1 });
    return "dead";
  }
  const notBefore = now.getTime() + jittered(wait, deps.random) * 1000;
  await delayUntil({ ...record, attempt: record.attempt + 1 }, notBefore, deps);
  return "retrying";
}

/** Disables the endpoint once and tells its owners: audit event (persistent class) and email. */
async function disableEndpoint(
  endpoint: WebhookEndpoint,
  reason: "gone" | "failing",
  deps: WebhookDeps,
): Promise<void> {
  const at = deps.clock.now().toISOString();
  if (!(await deps.endpoints.disable(endpoint.accountId, endpoint.id, reason, at))) return;
  await deps.audit.record(
    auditInput(systemActor("webhook-sender"), undefined, {
      accountId: endpoint.accountId,
      action: "webhook.disabled",
      target: { type: "webhook", id: endpoint.id },
      details: { reason },
    }),
  );
  await deps.notify.endpointDisabled(endpoint, reason);
}
