import type { MessageStateStore } from "../../messages/state-store.ts";
import type { Clock } from "../../shared/clock.ts";
import { logger } from "../../shared/logger.ts";
import type { DeliverSmEvent } from "./bind.ts";
import type { SmppPartStore } from "./part-store.ts";
import { parseReceipt, statusOfReceipt } from "./receipts.ts";

/**
 * A deliver_sm on a carrier's bind → our message's status. The receipt names one part; a message is
 * delivered when every part's receipt said DELIVRD, and undelivered/failed as soon as one part's
 * receipt says so (status writes are monotonic and conditional, so repeats and late receipts are
 * no-ops). Returns false (→ deliver_sm_resp with a temporary error, the SMSC sends it again) when the
 * receipt cannot be placed yet: it may overtake the recording of its own submit_sm_resp.
 */
export interface ReceiptDeps {
  readonly store: MessageStateStore;
  readonly parts: SmppPartStore;
  readonly clock: Clock;
  readonly sleep?: (ms: number) => Promise<void>;
}

export type ReceiptOutcome =
  | "applied"
  | "pending-parts"
  | "intermediate"
  | "repeated"
  | "not-a-receipt"
  | "unknown-id";

const LOOKUP_RETRY_MS = 250;

export async function applySmppReceipt(
  carrierId: string,
  event: DeliverSmEvent,
  deps: ReceiptDeps,
): Promise<ReceiptOutcome> {
  const receipt = parseReceipt(event);
  if (!receipt) return "not-a-receipt";
  const status = statusOfReceipt(receipt.state);
  if (!status) return "intermediate";
  const ref =
    (await findPart(carrierId, receipt.ids, deps)) ?? (await findAfterPause(carrierId, receipt.ids, deps));
  if (!ref) return "unknown-id";
  const first = await deps.parts.recordReceipt(ref.messageId, ref.seq, receipt.state);
  const parts = await deps.parts.accepted(ref.messageId);
  const named = parts.find((part) => part.seq === ref.seq);
  const carrierMessageId =
    parts.find((part) => part.seq === 1)?.carrierMessageId ?? named?.carrierMessageId ?? "";
  if (status === "delivered") {
    const total = named?.total ?? 1;
    const delivered = parts.filter((part) => part.receiptState === "DELIVRD").length;
    if (delivered < total) return first ? "pending-parts" : "repeated";
  }
  const applied = await deps.store.applyReport(ref.messageId, {
    status,
    carrierId,
    carrierMessageId,
    at: deps.clock.now().toISOString(),
    ...(status === "delivered"
      ? {}
      : {
          error: {
            code: `smpp-${receipt.state}`,
            reason: `carrier reported ${receipt.state} (err ${receipt.error})`,
          },
        }),
  });
  logger.info("smpp receipt", {
    carrierId,
    messageId: ref.messageId,
    part: ref.seq,
    state: receipt.state,
    applied,
  });
  return applied ? "applied" : "repeated";
}

async function findPart(carrierId: string, ids: readonly string[], deps: ReceiptDeps) {
  for (const id of ids) {
    const ref = await deps.parts.findByReceiptId(carrierId, id);
    if (ref) return ref;
  }
  return undefined;
}

async function findAfterPause(carrierId: string, ids: readonly string[], deps: ReceiptDeps) {
  await (deps.sleep ?? ((ms: number) => new Promise((resolve) => setTimeout(resolve, ms))))(LOOKUP_RETRY_MS);
  return findPart(carrierId, ids, deps);
}
