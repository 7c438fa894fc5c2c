import type { UserPrincipal } from "../identity/live-principal.ts";
import { newId } from "../shared/ids.ts";
import { logger } from "../shared/logger.ts";
import { maskPhone } from "../shared/mask.ts";
import { numberKeyOf } from "../shared/number-key.ts";
import { DomainError } from "../shared/problem.ts";
import type { RequestMeta } from "./export.ts";
import type { EraserDeps, PrivacyDeps, StoredReceipt } from "./ports.ts";
import { canonicalJson, signedFieldsOf } from "./receipt-signature.ts";
import { ERASURE_COUNT_NAMES, type ErasureCounts, type ErasureJob, erasureCounts } from "./schemas.ts";

/**
 * Data-subject erasure (GDPR art. 17). The request stores a pending receipt and queues a job that
 * names the number only by its blind index; privacy-eraser works it off the request (an SQS queue
 * with a DLQ rather than a state machine: one idempotent step, retried by redelivery, is all it needs).
 *
 * What goes: every message of the number in the account (with its SMPP parts and their receipt refs,
 * and the Idempotency-Key binding written with it — the send API's or the verification start's), every
 * verification and the account's "current verification" pointers of the number. A queued SQS record of
 * a deleted message stays on its queue, but the dispatcher drops a record whose message is gone
 * ("gone"), so it is never sent. Audit events stay: they hold masked numbers only.
 * Not covered: items stored before the byNumber index existed (they leave by their retention TTL),
 * the short-lived send-limit counters (keyed by the blind index, at most 1 h TTL, no number; deleting
 * them would let an erasure reset fraud limits), and items written while the erasure runs.
 */
const zeroCounts = (): ErasureCounts =>
  erasureCounts.parse(Object.fromEntries(ERASURE_COUNT_NAMES.map((name) => [name, 0])));

export async function requestErasure(
  e164: string,
  principal: UserPrincipal,
  meta: RequestMeta,
  deps: PrivacyDeps,
): Promise<{ id: string; status: "pending" }> {
  const id = newId("dse");
  const toIndex = await deps.hasher.hmac("phone-index", e164);
  await deps.erasures.create({
    id,
    accountId: principal.accountId,
    status: "pending",
    counts: zeroCounts(),
    requestedAt: deps.clock.now().toISOString(),
  });
  try {
    await deps.queue.enqueue({ erasureId: id, accountId: principal.accountId, toIndex });
  } catch (error) {
    logger.error("erasure job not queued", { erasureId: id, error: error as Error });
    await deps.erasures.remove(id);
    throw new DomainError(
      "service-unavailable",
      "The erasure could not be queued; retry later",
      {},
      {
        "Retry-After": "1",
      },
    );
  }
  await deps.audit.record({
    accountId: principal.accountId,
    action: "privacy.erasure.requested",
    actor: { type: "user", id: principal.principalId },
    outcome: "success",
    target: { type: "erasure", id },
    requestId: meta.requestId,
    sourceIp: meta.sourceIp,
    details: { to: maskPhone(e164) },
  });
  return { id, status: "pending" };
}

export async function getErasureReceipt(
  id: string,
  principal: UserPrincipal,
  deps: PrivacyDeps,
): Promise<StoredReceipt> {
  const receipt = await deps.erasures.get(id);
  // Another account's receipt reads as missing: ids are not secrets, accounts are boundaries.
  if (!receipt || receipt.accountId !== principal.accountId) {
    throw new DomainError("not-found", "No such erasure");
  }
  return receipt;
}

/** The eraser's work for one job; safe to run again after a crash (nothing is counted twice). */
const COUNT_OF = {
  message: "messages",
  smppPart: "smppParts",
  smppReceiptRef: "smppReceiptRefs",
} as const satisfies Record<string, keyof ErasureCounts>;

export async function runErasure(job: ErasureJob, deps: EraserDeps): Promise<"completed" | "skipped"> {
  const started = await deps.erasures.start(job.erasureId, deps.clock.now().toISOString());
  if (!started || started.accountId !== job.accountId) return "skipped";
  const numberKey = numberKeyOf(job.accountId, job.toIndex);
  const erase = (item: Parameters<EraserDeps["erasures"]["deleteCounted"]>[1], count: keyof ErasureCounts) =>
    deps.erasures.deleteCounted(job.erasureId, item, count);

  for (const message of await deps.items.messages(numberKey)) {
    if (message.accountId !== job.accountId) continue;
    // The binding first and the message last: a retry still finds the message, and through it the rest.
    if (message.binding) await erase(message.binding, "idempotencyRecords");
    for (const { ref, kind } of await deps.items.messageItems(message.id)) {
      await erase(ref, COUNT_OF[kind]);
    }
  }
  for (const verification of await deps.items.verifications(numberKey)) {
    if (verification.accountId !== job.accountId) continue;
    await erase({ table: "verifications", key: { pk: verification.id } }, "verifications");
  }
  for (const prefix of ["cur", "cur2fa"]) {
    const key = { pk: `${prefix}#${job.accountId}#${job.toIndex}` };
    await erase({ table: "verifications", key }, "verificationPointers");
  }

  const counted = await deps.erasures.get(job.erasureId);
  if (!counted) throw new Error(`erasure ${job.erasureId} vanished while running`);
  const completedAt = deps.clock.now().toISOString();
  const { jws, jwk } = await deps.signer.sign(canonicalJson(signedFieldsOf(counted, completedAt)));
  await deps.erasures.complete(job.erasureId, { completedAt, signature: jws, signingKey: jwk });
  await deps.audit.record({
    accountId: job.accountId,
    action: "privacy.erasure.completed",
    actor: { type: "system", id: "privacy-eraser" },
    outcome: "success",
    target: { type: "erasure", id: job.erasureId },
    details: { ...counted.counts },
  });
  logger.info("erasure completed", { erasureId: job.erasureId, ...counted.counts });
  return "completed";
}
