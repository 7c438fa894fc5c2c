import type * as z from "zod";
import type { UserPrincipal } from "../identity/live-principal.ts";
import { openField } from "../messages/sealed.ts";
import { epochSeconds } from "../shared/clock.ts";
import { newId } from "../shared/ids.ts";
import { logger } from "../shared/logger.ts";
import { maskPhone } from "../shared/mask.ts";
import { numberKeyOf } from "../shared/number-key.ts";
import type { MessageRow, PrivacyDeps } from "./ports.ts";
import type { exportDocument, exportedMessage } from "./schemas.ts";

/**
 * Data-subject export (GDPR art. 15): what the account holds about one number, found through the
 * blind index. Up to inlineExportLimit items the document is the answer (200); above it the document
 * is stored sealed for EXPORT_TTL_SECONDS and the answer is a link (202). Audited as privacy.export,
 * with the number masked.
 */
export type ExportDocument = z.infer<typeof exportDocument>;
export const INLINE_EXPORT_LIMIT = 10_000;
export const EXPORT_TTL_SECONDS = 24 * 3600;

export interface RequestMeta {
  readonly requestId: string;
  readonly sourceIp: string;
}

export type ExportOutcome =
  | { readonly inline: true; readonly document: ExportDocument }
  | { readonly inline: false; readonly id: string; readonly items: number; readonly expiresAt: string };

async function exportedText(row: MessageRow, deps: PrivacyDeps): Promise<string | null> {
  if (!row.textCipher) return null;
  const binding = { accountId: row.accountId, messageId: row.id, field: "text" as const };
  return openField(deps.cipher, binding, row.textCipher);
}

async function toExportedMessage(
  row: MessageRow,
  deps: PrivacyDeps,
): Promise<z.infer<typeof exportedMessage>> {
  const {
    id,
    status,
    country,
    segments,
    createdAt,
    scheduledAt,
    sentAt,
    deliveredAt,
    failedAt,
    cancelledAt,
  } = row;
  return {
    id,
    status,
    country,
    segments,
    createdAt,
    ...(scheduledAt ? { scheduledAt } : {}),
    ...(sentAt ? { sentAt } : {}),
    ...(deliveredAt ? { deliveredAt } : {}),
    ...(failedAt ? { failedAt } : {}),
    ...(cancelledAt ? { cancelledAt } : {}),
    text: await exportedText(row, deps),
  };
}

const byCreation = <T extends { createdAt: string; id: string }>(a: T, b: T): number =>
  a.createdAt === b.createdAt ? (a.id < b.id ? -1 : 1) : a.createdAt < b.createdAt ? -1 : 1;

export async function exportDataSubject(
  e164: string,
  principal: UserPrincipal,
  meta: RequestMeta,
  deps: PrivacyDeps,
): Promise<ExportOutcome> {
  const now = deps.clock.now();
  const numberKey = numberKeyOf(principal.accountId, await deps.hasher.hmac("phone-index", e164));
  const [messageRows, verificationRows] = await Promise.all([
    deps.items.messages(numberKey),
    deps.items.verifications(numberKey),
  ]);
  const nowSeconds = epochSeconds(now);
  const messages = await Promise.all(messageRows.map((row) => toExportedMessage(row, deps)));
  const document: ExportDocument = {
    phone: maskPhone(e164),
    generatedAt: now.toISOString(),
    messages: messages.sort(byCreation),
    verifications: verificationRows
      .map(({ id, channel, status, country, createdAt, updatedAt, approvedAt }) => ({
        id,
        channel,
        status,
        country,
        createdAt,
        updatedAt,
        ...(approvedAt ? { approvedAt } : {}),
      }))
      .sort(byCreation),
    // Textgate keeps no opt-out list of its own: STOP replies are handled by the carriers' (AWS End
    // User Messaging SMS opt-out lists), which this account's data does not include.
    optOuts: [],
  };
  const items = document.messages.length + document.verifications.length;
  const inline = items <= deps.inlineExportLimit;
  const id = newId("dsx");
  if (!inline) {
    await deps.exports.save({
      id,
      accountId: principal.accountId,
      items,
      document: JSON.stringify(document),
      expiresAt: nowSeconds + EXPORT_TTL_SECONDS,
    });
  }
  await deps.audit.record({
    accountId: principal.accountId,
    action: "privacy.export",
    actor: { type: "user", id: principal.principalId },
    outcome: "success",
    target: { type: "export", id },
    requestId: meta.requestId,
    sourceIp: meta.sourceIp,
    details: {
      to: maskPhone(e164),
      messages: document.messages.length,
      verifications: document.verifications.length,
    },
  });
  logger.info("data-subject export", { exportId: id, to: maskPhone(e164), items, inline });
  if (inline) return { inline: true, document };
  return {
    inline: false,
    id,
    items,
    expiresAt: new Date((nowSeconds + EXPORT_TTL_SECONDS) * 1000).toISOString(),
  };
}

/** A stored (large) export of this account; not-found for another account's or an expired one. */
export async function loadExport(
  id: string,
  principal: UserPrincipal,
  deps: PrivacyDeps,
): Promise<string | undefined> {
  return deps.exports.load(id, principal.accountId, epochSeconds(deps.clock.now()));
}
