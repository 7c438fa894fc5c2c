import type { AuditLog } from "../audit/port.ts";
import type { Clock } from "../shared/clock.ts";
import type { DeliveryRecord, DeliveryView, WebhookEventPayload, WebhookEventType } from "./schemas.ts";
import type { SsrfPolicy } from "./ssrf.ts";

/** One signing secret; a rotated-out secret keeps signing until `until` (ISO), then is dropped. */
export interface SigningSecret {
  readonly secret: string;
  readonly until?: string;
}

/**
 * The account's signing secret for messages' own callbackUrl (Standard Webhooks, sealed at rest).
 * Created on first use; a rotation keeps the previous one signing for ROTATION_OVERLAP_MS.
 */
export interface AccountSigningSecrets {
  /** The secrets that sign now (current first), creating the first one if there is none. */
  active(accountId: string): Promise<SigningSecret[]>;
  /** A new current secret; undefined when a concurrent write won (the caller may try again). */
  rotate(accountId: string): Promise<{ secret: string; previousValidUntil?: string } | undefined>;
}

export type DisabledReason = "by-user" | "gone" | "failing";

export interface WebhookEndpoint {
  readonly id: string;
  readonly accountId: string;
  readonly url: string;
  readonly events: readonly WebhookEventType[];
  readonly description?: string;
  readonly enabled: boolean;
  readonly disabledReason?: DisabledReason;
  /** Current secret first. Sealed at rest (field encryption); plain only in memory. */
  readonly secrets: readonly SigningSecret[];
  /** First failure of the current failing streak (ISO); cleared by any success. */
  readonly failingSince?: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface EndpointChanges {
  readonly url?: string;
  readonly events?: readonly WebhookEventType[];
  readonly enabled?: boolean;
  readonly disabledReason?: DisabledReason;
  readonly secrets?: readonly SigningSecret[];
  readonly updatedAt: string;
}

export interface EndpointStore {
  create(endpoint: WebhookEndpoint): Promise<void>;
  get(accountId: string, id: string): Promise<WebhookEndpoint | undefined>;
  list(accountId: string): Promise<WebhookEndpoint[]>;
  /** Returns the endpoint after the change, or undefined when it does not exist. */
  update(accountId: string, id: string, changes: EndpointChanges): Promise<WebhookEndpoint | undefined>;
  delete(accountId: string, id: string): Promise<boolean>;
  /** Starts the failing streak unless one is running; returns its start. */
  noteFailure(accountId: string, id: string, at: string): Promise<string>;
  noteSuccess(accountId: string, id: string): Promise<void>;
  /** enabled → disabled (only if still enabled); true when this call disabled it. */
  disable(accountId: string, id: string, reason: DisabledReason, at: string): Promise<boolean>;
}

export interface DeliveryAttempt extends DeliveryView {
  readonly endpointId: string;
}

export interface DeliveryLog {
  record(attempt: DeliveryAttempt): Promise<void>;
  /** Newest first. */
  list(endpointId: string, limit: number): Promise<DeliveryAttempt[]>;
  get(endpointId: string, deliveryId: string): Promise<DeliveryAttempt | undefined>;
}

/** Per-endpoint copies of event payloads: what retries and replays send again. */
export interface EventPayloadStore {
  /**
   * Stores the payload for (event, endpoint) unless it was already fanned out; false for a duplicate
   * publish of an event whose deliveries are already queued.
   */
  claimFanOut(eventId: string, endpointId: string, payload: WebhookEventPayload): Promise<boolean>;
  markFannedOut(eventId: string, endpointId: string): Promise<void>;
  get(eventId: string, endpointId: string): Promise<WebhookEventPayload | undefined>;
}

/** A small pool of leases per endpoint: at most `size` sends to one endpoint at a time. */
export interface SlotPool {
  acquire(endpointId: string, nowMs: number, leaseMs: number): Promise<number | undefined>;
  release(endpointId: string, slot: number): Promise<void>;
}

export interface DeliveryQueue {
  enqueue(record: DeliveryRecord, delaySeconds: number): Promise<void>;
}

/**
 * The webhooks queue's DLQ: a delivery whose retries are exhausted goes there (the DLQ alarm sees
 * it; an operator's redrive puts it back on the queue, where it gets one more attempt).
 */
export interface DeadLetters {
  deadLetter(record: DeliveryRecord): Promise<void>;
}

export type PostOutcome =
  | { readonly kind: "response"; readonly status: number; readonly latencyMs: number }
  | { readonly kind: "error"; readonly error: string; readonly latencyMs: number };

/** Posts one signed body to the pinned, SSRF-checked target. */
export type WebhookPoster = (input: {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}) => Promise<PostOutcome>;

/** Tells the account's owners that the sender disabled an endpoint (email where one exists). */
export interface OwnerNotifier {
  endpointDisabled(endpoint: WebhookEndpoint, reason: "gone" | "failing"): Promise<void>;
}

export interface WebhookDeps {
  readonly clock: Clock;
  readonly endpoints: EndpointStore;
  readonly accountSecrets: AccountSigningSecrets;
  readonly deliveries: DeliveryLog;
  readonly payloads: EventPayloadStore;
  readonly slots: SlotPool;
  readonly queue: DeliveryQueue;
  readonly deadLetters: DeadLetters;
  readonly audit: AuditLog;
  readonly notify: OwnerNotifier;
  readonly ssrf: SsrfPolicy;
  readonly post: WebhookPoster;
  /** Random factor in [0, 1) for retry jitter (injectable for tests). */
  readonly random: () => number;
}
