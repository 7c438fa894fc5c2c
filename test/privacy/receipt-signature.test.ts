/**
 * The erasure receipt's signature, as a customer checks it: a JWS over the canonical JSON of the
 * signed fields, verified with the published key. Pure: a throw-away P-256 key file stands in for KMS.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fileSigner, prepareLocalSigningKey } from "../../functions/identity/signing.ts";
import {
  canonicalJson,
  receiptSignatureIsValid,
  receiptSigner,
  signedFieldsOf,
} from "../../functions/privacy/receipt-signature.ts";

const counts = {
  messages: 2,
  smppParts: 0,
  smppReceiptRefs: 0,
  idempotencyRecords: 1,
  verifications: 1,
  verificationPointers: 1,
};

async function signedReceipt() {
  const signer = receiptSigner(
    fileSigner(await prepareLocalSigningKey(mkdtempSync(join(tmpdir(), "receipt-")))),
  );
  const stored = { id: "dse_1", accountId: "acc_1", counts, startedAt: "2026-12-01T00:00:00.000Z" };
  const completedAt = "2026-12-01T00:00:01.000Z";
  const { jws, jwk } = await signer.sign(canonicalJson(signedFieldsOf(stored, completedAt)));
  return { ...stored, status: "completed", completedAt, signature: jws, signingKey: jwk };
}

describe("erasure receipt signature", () => {
  it("canonical JSON sorts keys at every level and refuses non-integers", () => {
    expect(canonicalJson({ b: 1, a: { d: "x", c: [2, 1] } })).toBe('{"a":{"c":[2,1],"d":"x"},"b":1}');
    expect(canonicalJson({ a: undefined, b: null })).toBe('{"b":null}');
    expect(() => canonicalJson({ a: 0.5 })).toThrow();
  });

  it("verifies, and fails for any changed field, another key or a stripped signature", async () => {
    const receipt = await signedReceipt();
    expect(await receiptSignatureIsValid(receipt)).toBe(true);
    expect(await receiptSignatureIsValid({ ...receipt, accountId: "acc_2" })).toBe(false);
    expect(await receiptSignatureIsValid({ ...receipt, counts: { ...counts, verifications: 0 } })).toBe(
      false,
    );
    expect(await receiptSignatureIsValid({ ...receipt, completedAt: "2026-12-01T00:00:02.000Z" })).toBe(
      false,
    );
    const other = await signedReceipt();
    expect(await receiptSignatureIsValid({ ...receipt, signingKey: other.signingKey })).toBe(false);
    const { signature: _dropped, ...unsigned } = receipt;
    expect(await receiptSignatureIsValid(unsigned)).toBe(false);
  });
});
