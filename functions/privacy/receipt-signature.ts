import { compactVerify, exportJWK, importJWK } from "jose";
import { type TokenSigner, tokenSigner } from "../identity/signing.ts";
import type { ReceiptSigner, StoredReceipt } from "./ports.ts";

/**
 * Erasure receipts are signed with the platform signing key (KMS ECC_NIST_P256 on AWS, the local
 * key file offline): the key that signs access tokens, so its kid is the one in every token header.
 * The signature is a compact JWS (ES256) whose payload is the canonical JSON of the signed fields;
 * anyone holding the public key (the receipt's signingKey, checked against the kid) verifies it with
 * any JOSE library and compares the payload with the receipt (docs/privacy.md).
 */
export const RECEIPT_JWS_TYPE = "textgate-erasure-receipt+jws";

/**
 * RFC 8785 (JCS) for the values a receipt holds: objects with sorted keys, strings and integers, no
 * floats (whose serialization is the part of JCS JSON.stringify does not already match).
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value)
      .filter(([, member]) => member !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, member]) => `${JSON.stringify(key)}:${canonicalJson(member)}`).join(",")}}`;
  }
  if (typeof value === "number" && !Number.isInteger(value)) throw new Error("canonicalJson: integers only");
  return JSON.stringify(value);
}

/** The fields a receipt's signature covers, as signed: status is "completed" by then. */
export const signedFieldsOf = (
  receipt: Pick<StoredReceipt, "id" | "accountId" | "counts" | "startedAt">,
  completedAt: string,
) => ({
  id: receipt.id,
  accountId: receipt.accountId,
  status: "completed",
  counts: receipt.counts,
  startedAt: receipt.startedAt,
  completedAt,
});

const b64url = (value: Uint8Array | string): string => Buffer.from(value).toString("base64url");

export function receiptSigner(signer: TokenSigner = tokenSigner()): ReceiptSigner {
  return {
    async sign(payload) {
      const kid = await signer.kid();
      const header = { alg: "ES256", typ: RECEIPT_JWS_TYPE, kid };
      const signingInput = `${b64url(JSON.stringify(header))}.${b64url(payload)}`;
      const signature = await signer.sign(Buffer.from(signingInput, "ascii"));
      const { kty, crv, x, y } = await exportJWK(await signer.publicKey());
      if (!kty || !crv || !x || !y) throw new Error("signing key is not an EC public key");
      return { jws: `${signingInput}.${b64url(signature)}`, jwk: { kty, crv, x, y, kid } };
    },
  };
}

/**
 * Verifies a receipt the way a customer would: the JWS verifies with the public key, names that
 * key's kid, and its payload is exactly the canonical JSON of the receipt's signed fields.
 */
export async function receiptSignatureIsValid(receipt: {
  id: string;
  accountId: string;
  status: string;
  counts: Readonly<Record<string, number>>;
  startedAt?: string;
  completedAt?: string;
  signature?: string;
  signingKey?: Readonly<Record<string, string>>;
}): Promise<boolean> {
  if (!receipt.signature || !receipt.signingKey || !receipt.completedAt) return false;
  try {
    const key = await importJWK({ ...receipt.signingKey }, "ES256");
    const { payload, protectedHeader } = await compactVerify(receipt.signature, key, {
      algorithms: ["ES256"],
    });
    if (protectedHeader.kid !== receipt.signingKey.kid || protectedHeader.typ !== RECEIPT_JWS_TYPE)
      return false;
    const expected = canonicalJson({
      id: receipt.id,
      accountId: receipt.accountId,
      status: receipt.status,
      counts: receipt.counts,
      startedAt: receipt.startedAt,
      completedAt: receipt.completedAt,
    });
    return Buffer.from(payload).toString("utf8") === expected;
  } catch {
    return false;
  }
}
