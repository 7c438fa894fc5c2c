import { auditInput, type RequestMeta, userActor } from "../audit/context.ts";
import type { AuditEventInput } from "../audit/port.ts";
import type { UserPrincipal } from "../identity/live-principal.ts";
import { newId } from "../shared/ids.ts";
import { DomainError } from "../shared/problem.ts";
import type { DeliveryAttempt, WebhookDeps, WebhookEndpoint } from "./ports.ts";
import type {
  AccountSigningSecretView,
  DeliveryView,
  WebhookCreateInput,
  WebhookPatchInput,
  WebhookView,
} from "./schemas.ts";
import { activeSecrets, newSigningSecret, ROTATION_OVERLAP_MS } from "./signing.ts";
import { resolveSafeTarget, UnsafeUrlError } from "./ssrf.ts";

/** Management use cases for webhook endpoints (owners and admins; every change audited). */
export type ManageDeps = Pick<
  WebhookDeps,
  "clock" | "endpoints" | "accountSecrets" | "deliveries" | "payloads" | "queue" | "audit" | "ssrf"
>;

/** At most this many endpoints per account: each event fans out to every one of them. */
export const MAX_ENDPOINTS = 20;

export const toWebhookView = (endpoint: WebhookEndpoint): WebhookView => ({
  id: endpoint.id,
  url: endpoint.url,
  events: [...endpoint.events],
  ...(endpoint.description !== undefined ? { description: endpoint.description } : {}),
  status: endpoint.enabled ? "enabled" : "disabled",
  ...(endpoint.disabledReason ? { disabledReason: endpoint.disabledReason } : {}),
  createdAt: endpoint.createdAt,
  updatedAt: endpoint.updatedAt,
});

const toDeliveryView = ({ endpointId: _endpoint, ...view }: DeliveryAttempt): DeliveryView => view;

/** Refusals name `url` (422 problem+json), whatever the reason: scheme, credentials or address. */
async function assertSafeUrl(url: string, deps: ManageDeps): Promise<void> {
  try {
    await resolveSafeTarget(url, deps.ssrf);
  } catch (error) {
    if (!(error instanceof UnsafeUrlError)) throw error;
    throw new DomainError("unprocessable-entity", `url ${error.message}`, {
      errors: [{ field: "url", message: error.message }],
    });
  }
}

function audit(
  deps: ManageDeps,
  principal: UserPrincipal,
  meta: RequestMeta,
  action: string,
  webhookId: string,
  details?: AuditEventInput["details"],
) {
  return deps.audit.record(
    auditInput(userActor(principal.principalId), meta, {
      accountId: principal.accountId,
      action,
      target: { type: "webhook", id: webhookId },
      ...(details ? { details } : {}),
    }),
  );
}

async function owned(principal: UserPrincipal, id: string, deps: ManageDeps): Promise<WebhookEndpoint> {
  const endpoint = await deps.endpoints.get(principal.accountId, id);
  if (!endpoint) throw new DomainError("not-found", "No such webhook");
  return endpoint;
}

export async function createWebhook(
  input: WebhookCreateInput,
  principal: UserPrincipal,
  meta: RequestMeta,
  deps: ManageDeps,
): Promise<WebhookView & { secret: string }> {
  await assertSafeUrl(input.url, deps);
  if ((await deps.endpoints.list(principal.accountId)).length >= MAX_ENDPOINTS) {
    throw new DomainError("conflict", `An account may have at most ${MAX_ENDPOINTS} webhooks`);
  }
  const at = deps.clock.now().toISOString();
  const secret = newSigningSecret();
  const endpoint: WebhookEndpoint = {
    id: newId("whk"),
    accountId: principal.accountId,
    url: input.url,
    events: [...input.events],
    ...(input.description !== undefined ? { description: input.description } : {}),
    enabled: true,
    secrets: [{ secret }],
    createdAt: at,
    updatedAt: at,
  };
  await deps.endpoints.create(endpoint);
  await audit(deps, principal, meta, "webhook.created", endpoint.id, { events: input.events.join(",") });
  return { ...toWebhookView(endpoint), secret };
}

export async function listWebhooks(
  principal: UserPrincipal,
  deps: ManageDeps,
): Promise<{ items: WebhookView[] }> {
  const endpoints = await deps.endpoints.list(principal.accountId);
  return { items: endpoints.map(toWebhookView) };
}

export async function getWebhook(
  principal: UserPrincipal,
  id: string,
  deps: ManageDeps,
): Promise<WebhookView> {
  return toWebhookView(await owned(principal, id, deps));
}

export async function changeWebhook(
  id: string,
  patch: WebhookPatchInput,
  principal: UserPrincipal,
  meta: RequestMeta,
  deps: ManageDeps,
): Promise<WebhookView> {
  await owned(principal, id, deps);
  if (patch.url !== undefined) await assertSafeUrl(patch.url, deps);
  const updated = await deps.endpoints.update(principal.accountId, id, {
    ...(patch.url !== undefined ? { url: patch.url } : {}),
    ...(patch.events !== undefined ? { events: patch.events } : {}),
    ...(patch.enabled !== undefined ? { enabled: patch.enabled, disabledReason: "by-user" as const } : {}),
    updatedAt: deps.clock.now().toISOString(),
  });
  if (!updated) throw new DomainError("not-found", "No such webhook");
  await audit(deps, principal, meta, "webhook.updated", id, { fields: Object.keys(patch).join(",") });
  return toWebhookView(updated);
}

export async function deleteWebhook(
  id: string,
  principal: UserPrincipal,
  meta: RequestMeta,
  deps: ManageDeps,
): Promise<void> {
  if (!(await deps.endpoints.delete(principal.accountId, id)))
    throw new DomainError("not-found", "No such webhook");
  await audit(deps, principal, meta, "webhook.deleted", id);
}

/** New current secret; the previous one keeps signing for 24 h (older ones are dropped now). */
export async function rotateWebhookSecret(
  id: string,
  principal: UserPrincipal,
  meta: RequestMeta,
  deps: ManageDeps,
): Promise<WebhookView & { secret: string }> {
  const endpoint = await owned(principal, id, deps);
  const now = deps.clock.now();
  const [current] = activeSecrets(endpoint.secrets, now);
  const secret = newSigningSecret();
  const until = new Date(now.getTime() + ROTATION_OVERLAP_MS).toISOString();
  const updated = await deps.endpoints.update(principal.accountId, id, {
    secrets: [{ secret }, ...(current ? [{ secret: current.secret, until }] : [])],
    updatedAt: now.toISOString(),
  });
  if (!updated) throw new DomainError("not-found", "No such webhook");
  await audit(deps, principal, meta, "webhook.secret.rotated", id, { previousValidUntil: until });
  return { ...toWebhookView(updated), secret };
}

/**
 * A new account signing secret (the one messages' callbackUrl deliveries are signed with), shown
 * once; the previous one keeps signing for 24 h. Creates the first one when there is none yet.
 */
export async function rotateAccountSigningSecret(
  principal: UserPrincipal,
  meta: RequestMeta,
  deps: ManageDeps,
): Promise<AccountSigningSecretView> {
  const rotated = await deps.accountSecrets.rotate(principal.accountId);
  if (!rotated) throw new DomainError("conflict", "The signing secret changed meanwhile; try again");
  await deps.audit.record(
    auditInput(userActor(principal.principalId), meta, {
      accountId: principal.accountId,
      action: "webhook.account.secret.rotated",
      target: { type: "account", id: principal.accountId },
      ...(rotated.previousValidUntil ? { details: { previousValidUntil: rotated.previousValidUntil } } : {}),
    }),
  );
  return rotated;
}

export async function listDeliveries(
  id: string,
  limit: number,
  principal: UserPrincipal,
  deps: ManageDeps,
): Promise<{ items: DeliveryView[] }> {
  await owned(principal, id, deps);
  return { items: (await deps.deliveries.list(id, limit)).map(toDeliveryView) };
}

/** Queues the delivery's event again for this endpoint (attempt 1, same webhook-id). */
export async function replayDelivery(
  input: { webhookId: string; deliveryId: string },
  principal: UserPrincipal,
  meta: RequestMeta,
  deps: ManageDeps,
): Promise<{ eventId: string; status: "queued" }> {
  const endpoint = await owned(principal, input.webhookId, deps);
  const delivery = await deps.deliveries.get(endpoint.id, input.deliveryId);
  if (!delivery) throw new DomainError("not-found", "No such delivery");
  if (!endpoint.enabled) throw new DomainError("conflict", "The webhook is disabled; enable it first");
  if (!(await deps.payloads.get(delivery.eventId, endpoint.id))) {
    throw new DomainError("not-found", "The event is past its replay window");
  }
  await deps.queue.enqueue(
    {
      v: 1,
      kind: "delivery",
      eventId: delivery.eventId,
      accountId: principal.accountId,
      endpointId: endpoint.id,
      attempt: 1,
    },
    0,
  );
  await audit(deps, principal, meta, "webhook.delivery.replayed", endpoint.id, { eventId: delivery.eventId });
  return { eventId: delivery.eventId, status: "queued" };
}
