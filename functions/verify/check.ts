import { epochSeconds } from "../shared/clock.ts";
import { idPattern } from "../shared/ids.ts";
import { logger } from "../shared/logger.ts";
import { DomainError } from "../shared/problem.ts";
import { dynamoOutbox, publishPending } from "../webhooks/outbox.ts";
import { verificationEvent } from "../webhooks/publish.ts";
import type { WebhookEventPayload } from "../webhooks/schemas.ts";
import { codeMatches } from "./code.ts";
import type { VerificationNamespace } from "./limits.ts";
import { numberContext } from "./open.ts";
import { forgetQueuedTexts } from "./otp-texts.ts";
import type { SeenState, VerificationRecord, VerifyDeps } from "./ports.ts";
import { attemptsRemaining, effectiveStatus, toView, type VerificationView } from "./view.ts";

export interface CheckVerificationInput {
  readonly accountId: string;
  /** Default "api"; a verification of another namespace reads as not found. */
  readonly namespace?: VerificationNamespace;
  readonly verificationId: string;
  readonly code: string;
}

const VERIFICATION_ID = idPattern("ver");

/** Whose verification a call may touch: the account, within one namespace. */
interface Owner {
  readonly accountId: string;
  readonly namespace?: VerificationNamespace;
}

/**
 * Reads a verification of this account and namespace; another account's id, or a dashboard
 * sign-in code asked for through the API, is indistinguishable from none.
 */
export async function loadOwned(
  deps: VerifyDeps,
  owner: Owner,
  verificationId: string,
  nowSeconds: number,
): Promise<VerificationRecord> {
  // Only real verification ids reach the table: the same table also holds the resend pointers.
  if (!VERIFICATION_ID.test(verificationId)) throw new DomainError("not-found", "No such verification");
  const record = await deps.store.get(verificationId, nowSeconds);
  if (!record || record.accountId !== owner.accountId || record.namespace !== (owner.namespace ?? "api")) {
    throw new DomainError("not-found", "No such verification");
  }
  return record;
}

export function notPending(record: VerificationRecord, nowSeconds: number, detail?: string): DomainError {
  const status = effectiveStatus(record, nowSeconds);
  // "verificationStatus", not "status": that member of a problem is the HTTP status code.
  return new DomainError("verify-not-pending", detail ?? `The verification is ${status}`, {
    verificationStatus: status,
    attemptsRemaining: 0,
  });
}

/** Reads a verification of this account that can still change, as of the clock's now. */
async function loadPending(
  deps: VerifyDeps,
  owner: Owner,
  verificationId: string,
): Promise<{ record: VerificationRecord; now: Date; nowSeconds: number }> {
  const now = deps.clock.now();
  const nowSeconds = epochSeconds(now);
  const record = await loadOwned(deps, owner, verificationId, nowSeconds);
  const status = effectiveStatus(record, nowSeconds);
  if (status !== "pending") {
    // Expiry is the one close no write marks (the others forgot their texts when they happened):
    // whoever finds it expired first makes sure its code no longer goes out.
    if (status === "expired") await forgetQueuedTexts(deps, record.messageIds, now.toISOString());
    throw notPending(record, nowSeconds);
  }
  return { record, now, nowSeconds };
}

/**
 * Enqueues the outcome event the closing write recorded as pending, then clears it; a failed
 * enqueue stays pending for the outbox sweeper (at-least-once) and does not fail the check.
 */
async function publishOutcome(
  deps: VerifyDeps,
  record: VerificationRecord,
  payload: WebhookEventPayload,
): Promise<void> {
  if (!deps.events) return;
  await publishPending(
    { publisher: deps.events, outbox: deps.outbox ?? dynamoOutbox() },
    { table: "verifications", key: { pk: record.id }, accountId: record.accountId },
    payload,
  );
}

const raced = (): DomainError =>
  new DomainError("conflict", "The verification changed while this check ran; check again");

/**
 * Checks a code with one read and ONE conditional write. The HMAC comparison cannot run inside
 * DynamoDB, so: consistent GetItem → compare in constant time here → a single UpdateItem that only
 * succeeds if the item is still exactly what was read (attempt count, code hash, pending, not
 * expired). A wrong code bumps the count (and fails the verification at the limit); a right code
 * approves. A check that loses a race is refused with 409 whatever its code was, so concurrent
 * guesses gain nothing and never spend more than one attempt each.
 */
export async function checkVerification(
  input: CheckVerificationInput,
  deps: VerifyDeps,
): Promise<VerificationView> {
  const { record, now, nowSeconds } = await loadPending(deps, input, input.verificationId);

  const e164 = await deps.cipher.decrypt(record.toEncrypted, numberContext(record.accountId, record.id));
  const matches = await codeMatches(deps.hasher, record.id, e164, input.code, record.codeHash);
  const seen: SeenState = {
    accountId: input.accountId,
    checkAttempts: record.checkAttempts,
    codeHash: record.codeHash,
    nowSeconds,
  };
  const at = now.toISOString();

  if (matches) {
    if ((await deps.store.approve(record.id, seen, at, deps.events !== undefined)) === "conflict")
      throw raced();
    await forgetQueuedTexts(deps, record.messageIds, at);
    const approved: VerificationRecord = { ...record, status: "approved", approvedAt: at, updatedAt: at };
    await deps.fraudCounters.recordApproval(
      {
        namespace: record.namespace,
        accountId: record.accountId,
        country: record.country,
        prefix: record.prefix,
      },
      now,
    );
    deps.metrics.approved(record.country);
    logger.info("verification approved", { verificationId: record.id, to: record.toMasked });
    const view = toView(approved, nowSeconds, deps.settings.maxCheckAttempts);
    await publishOutcome(deps, record, verificationEvent(view, "verification.approved", now));
    return view;
  }

  const attempts = record.checkAttempts + 1;
  const failed = attempts >= deps.settings.maxCheckAttempts;
  const recorded = await deps.store.recordWrongCode(record.id, seen, failed, at, deps.events !== undefined);
  if (recorded === "conflict") throw raced();
  if (failed) await forgetQueuedTexts(deps, record.messageIds, at);
  const after: VerificationRecord = {
    ...record,
    checkAttempts: attempts,
    status: failed ? "failed" : "pending",
    updatedAt: at,
  };
  logger.info("verification code incorrect", { verificationId: record.id, attempts, failed });
  if (failed) {
    const view = toView(after, nowSeconds, deps.settings.maxCheckAttempts);
    await publishOutcome(deps, record, verificationEvent(view, "verification.failed", now));
  }
  throw new DomainError(
    "verify-code-incorrect",
    failed ? "The code is not correct; no attempts remain" : "The code is not correct",
    {
      verificationStatus: after.status,
      attemptsRemaining: attemptsRemaining(after, deps.settings.maxCheckAttempts),
    },
  );
}

export interface CancelVerificationInput {
  readonly accountId: string;
  readonly namespace?: VerificationNamespace;
  readonly verificationId: string;
}

export async function cancelVerification(
  input: CancelVerificationInput,
  deps: VerifyDeps,
): Promise<VerificationView> {
  const { record, now, nowSeconds } = await loadPending(deps, input, input.verificationId);
  const at = now.toISOString();
  if ((await deps.store.cancel(record.id, input.accountId, nowSeconds, at)) === "conflict") {
    // Lost a race: either it closed meanwhile (say so) or a check/resend changed it (retry).
    const latest = await loadOwned(deps, input, input.verificationId, nowSeconds);
    if (effectiveStatus(latest, nowSeconds) === "pending") throw raced();
    await forgetQueuedTexts(deps, latest.messageIds, at);
    throw notPending(latest, nowSeconds);
  }
  await forgetQueuedTexts(deps, record.messageIds, at);
  return toView(
    { ...record, status: "cancelled", updatedAt: at },
    nowSeconds,
    deps.settings.maxCheckAttempts,
  );
}

export async function getVerification(
  input: CancelVerificationInput,
  deps: VerifyDeps,
): Promise<VerificationView> {
  const nowSeconds = epochSeconds(deps.clock.now());
  const record = await loadOwned(deps, input, input.verificationId, nowSeconds);
  return toView(record, nowSeconds, deps.settings.maxCheckAttempts);
}
