import { DomainError } from "../shared/problem.ts";
import type { MessageRepository, Priority, StoredMessage } from "./model.ts";
import type { Price } from "./pricing.ts";
import type { Encoding } from "./segments.ts";
import { type PublicStatus, publicStatus } from "./status.ts";

/** Reading a message back (GET /v1/messages/{id}): no crypto, no phone metadata on this path. */
export interface MessageViewData {
  readonly id: string;
  readonly to: string;
  readonly country: string;
  readonly from?: string;
  readonly status: PublicStatus;
  readonly priority: Priority;
  readonly carrier?: string;
  readonly segments: number;
  readonly encoding: Encoding;
  readonly price: Price;
  readonly timestamps: {
    readonly createdAt: string;
    readonly scheduledAt?: string;
    readonly sentAt?: string;
    readonly deliveredAt?: string;
    readonly failedAt?: string;
  };
  readonly error?: { readonly code: string; readonly reason: string };
}

export function toView(message: StoredMessage): MessageViewData {
  const timestamps = {
    createdAt: message.createdAt,
    ...(message.scheduledAt ? { scheduledAt: message.scheduledAt } : {}),
    ...(message.sentAt ? { sentAt: message.sentAt } : {}),
    ...(message.deliveredAt ? { deliveredAt: message.deliveredAt } : {}),
    ...(message.failedAt ? { failedAt: message.failedAt } : {}),
  };
  return {
    id: message.id,
    to: message.toMasked,
    country: message.country,
    ...(message.from ? { from: message.from } : {}),
    status: publicStatus(message.status),
    priority: message.priority,
    ...(message.carrierId ? { carrier: message.carrierId } : {}),
    segments: message.segments,
    encoding: message.encoding,
    price: message.price,
    timestamps,
    ...(message.error ? { error: { code: message.error.code, reason: message.error.reason } } : {}),
  };
}

/** Another account's message reads exactly like a missing one: 404, no hint that it exists. */
export async function getMessage(
  input: { accountId: string; id: string },
  deps: { readonly messages: MessageRepository },
): Promise<MessageViewData> {
  const message = await deps.messages.get(input.id);
  if (!message || message.accountId !== input.accountId)
    throw new DomainError("not-found", "No such message");
  return toView(message);
}
