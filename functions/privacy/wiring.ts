import { dynamoAuditLog } from "../audit/store.ts";
import { systemClock } from "../shared/clock.ts";
import { fieldCipher } from "../shared/crypto.ts";
import { hasher } from "../shared/secrets.ts";
import { INLINE_EXPORT_LIMIT } from "./export.ts";
import type { EraserDeps, PrivacyDeps } from "./ports.ts";
import { receiptSigner } from "./receipt-signature.ts";
import { dynamoErasureStore, dynamoExportStore, dynamoNumberItems, sqsErasureQueue } from "./store.ts";

let privacy: PrivacyDeps | undefined;
let eraser: EraserDeps | undefined;

/** Production wiring of the privacy API function, built on first use (cold start does no I/O). */
export function privacyDeps(): PrivacyDeps {
  privacy ??= {
    clock: systemClock,
    hasher: hasher(),
    cipher: fieldCipher(),
    items: dynamoNumberItems(),
    erasures: dynamoErasureStore(),
    queue: sqsErasureQueue(),
    exports: dynamoExportStore(fieldCipher()),
    audit: dynamoAuditLog(systemClock),
    inlineExportLimit: INLINE_EXPORT_LIMIT,
  };
  return privacy;
}

/** Production wiring of privacy-eraser: no field key (it never reads a number), the signing key. */
export function eraserDeps(): EraserDeps {
  eraser ??= {
    clock: systemClock,
    items: dynamoNumberItems(),
    erasures: dynamoErasureStore(),
    signer: receiptSigner(),
    audit: dynamoAuditLog(systemClock),
  };
  return eraser;
}
