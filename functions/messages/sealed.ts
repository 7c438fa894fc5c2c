import type { FieldCipher } from "../shared/crypto.ts";

/**
 * Message fields (number, text) under the FieldCipher, bound to {accountId, messageId, field}.
 *
 * The Encryption SDK's data-key cache is keyed by the encryption context, so putting the message id
 * in the context made every field miss it: a fresh data key per field, i.e. KMS GenerateDataKey and
 * Decrypt for every number and text (about 4 KMS calls per SMS). So the context holds what is shared
 * by many messages ({accountId, field}) and the message id travels inside the authenticated plaintext
 * and is checked on decrypt: a ciphertext copied onto another message, field or account still fails.
 */
export interface FieldBinding {
  readonly accountId: string;
  readonly messageId: string;
  readonly field: "to" | "text";
}

const contextOf = (binding: FieldBinding) => ({
  accountId: binding.accountId,
  field: `message.${binding.field}`,
});

export function sealField(cipher: FieldCipher, binding: FieldBinding, value: string): Promise<string> {
  return cipher.encrypt(JSON.stringify({ messageId: binding.messageId, value }), contextOf(binding));
}

export async function openField(
  cipher: FieldCipher,
  binding: FieldBinding,
  ciphertext: string,
): Promise<string> {
  const opened = JSON.parse(await cipher.decrypt(ciphertext, contextOf(binding))) as {
    messageId?: unknown;
    value?: unknown;
  };
  if (opened.messageId !== binding.messageId || typeof opened.value !== "string") {
    throw new Error("encrypted field belongs to another message");
  }
  return opened.value;
}
