import { createHash } from "node:crypto";
import { epochSeconds } from "../shared/clock.ts";
import { DomainError } from "../shared/problem.ts";
import type { StartKeyBinding, VerifyDeps } from "./ports.ts";
import { KeyTaken, type StartVerificationInput, startBound } from "./start.ts";
import type { VerificationView } from "./view.ts";

/**
 * POST /v1/verifications with an Idempotency-Key: exactly one verification start (one code, one
 * SMS) per (account, key), whatever fails.
 *
 * The key is bound to the verification AND its OTP message in the same DynamoDB transaction that
 * writes them (open.ts / store.ts). The earlier design saved a separate idempotency success record
 * after the code was sent; when the function died before that save, a retry after the in-progress
 * expiry sent a second code (a second SMS paid for).
 *
 *   bound key, same request  → the stored 201 again (and its message re-queued if still waiting:
 *                              the first attempt may have died before its enqueue)
 *   bound key, other request → 409 idempotency-key-reused
 *   key being bound now      → 409 idempotency-in-progress (Retry-After)
 * Keys are scoped per account and live 24 h.
 */
export interface Replayable<R> {
  readonly result: R;
  /** True when the response of an earlier request with the same key was returned. */
  readonly replayed: boolean;
}

/**
 * sha256 of the normalised request, fields in a fixed order. The requester is part of it: the same
 * key sent with another API key is another request.
 */
export function startRequestHash(input: StartVerificationInput): string {
  const canonical = JSON.stringify([
    input.namespace ?? "api",
    input.requester.type,
    input.requester.id,
    input.to,
    input.codeLength ?? null,
    input.locale ?? null,
    input.template ?? null,
    input.appName ?? null,
    input.expirySeconds ?? null,
  ]);
  return createHash("sha256").update(canonical).digest("base64url");
}

export async function startVerificationOnce(
  input: StartVerificationInput,
  idempotencyKey: string,
  deps: VerifyDeps,
): Promise<Replayable<VerificationView>> {
  const requestHash = startRequestHash(input);
  const nowSeconds = () => epochSeconds(deps.clock.now());
  // A bound key replays before any limit or fraud counter is touched: a retry costs nothing.
  const bound = await deps.store.findBinding(input.accountId, idempotencyKey, nowSeconds());
  if (bound) return replay(bound, requestHash, deps);
  try {
    const { view } = await startBound(input, deps, { idempotencyKey, requestHash });
    return { result: view, replayed: false };
  } catch (error) {
    if (!(error instanceof KeyTaken)) throw error;
    // Another request with this key committed between our read and our write (or is committing).
    const winner = await deps.store.findBinding(input.accountId, idempotencyKey, nowSeconds());
    if (winner) return replay(winner, requestHash, deps);
    throw new DomainError(
      "idempotency-in-progress",
      "A request with this Idempotency-Key is still being processed; retry shortly",
      {},
      { "Retry-After": "1" },
    );
  }
}

async function replay(
  binding: StartKeyBinding,
  requestHash: string,
  deps: VerifyDeps,
): Promise<Replayable<VerificationView>> {
  if (binding.requestHash !== requestHash) {
    throw new DomainError(
      "idempotency-key-reused",
      "This Idempotency-Key was already used with a different request body",
    );
  }
  await deps.otpTexts.requeueIfQueued(binding.messageId);
  return { result: binding.response, replayed: true };
}
