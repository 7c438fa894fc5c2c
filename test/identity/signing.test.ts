import { createPublicKey, generateKeyPairSync, sign, verify } from "node:crypto";
import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KMSClient } from "@aws-sdk/client-kms";
import { compactVerify } from "jose";
import { describe, expect, it } from "vitest";
import { issueAccessToken, verifyAccessToken } from "../../functions/identity/access-token.ts";
import {
  derToJoseSignature,
  fileSigner,
  kmsSigner,
  prepareLocalSigningKey,
} from "../../functions/identity/signing.ts";

describe("token signing", () => {
  it("converts DER ECDSA signatures (KMS output) to 64-byte JOSE r||s that verify", () => {
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    // Enough signatures that short (leading-zero) and 33-byte DER integers both occur.
    for (let i = 0; i < 400; i++) {
      const data = Buffer.from(`message ${i}`);
      const der = sign("sha256", data, { key: privateKey, dsaEncoding: "der" });
      const raw = derToJoseSignature(der);
      expect(raw.length).toBe(64);
      expect(verify("sha256", data, { key: publicKey, dsaEncoding: "ieee-p1363" }, raw)).toBe(true);
    }
  });

  it("creates the local key once, private (0600), and reuses it", async () => {
    const home = mkdtempSync(join(tmpdir(), "signing-"));
    const path = await prepareLocalSigningKey(home);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const before = readFileSync(path, "utf8");
    expect(await prepareLocalSigningKey(home)).toBe(path);
    expect(readFileSync(path, "utf8")).toBe(before);
  });

  it("KMS signer: one GetPublicKey per container, one Sign per token, JOSE signature verifies", async () => {
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const calls: string[] = [];
    // A stand-in for KMS (pure logic): answers GetPublicKey and Sign as KMS would (DER signature).
    const fakeKms = {
      send: async (command: { constructor: { name: string }; input: { Message?: Uint8Array } }) => {
        calls.push(command.constructor.name);
        if (command.constructor.name === "GetPublicKeyCommand") {
          return { PublicKey: publicKey.export({ format: "der", type: "spki" }) };
        }
        return {
          Signature: sign("sha256", Buffer.from(command.input.Message ?? []), {
            key: privateKey,
            dsaEncoding: "der",
          }),
        };
      },
    } as unknown as KMSClient;
    const signer = kmsSigner("arn:aws:kms:eu-central-1:111111111111:key/test", fakeKms);
    const subject = {
      accountId: "acc_01ARZ3NDEKTSV4RRFFQ69G5FAV",
      userId: "usr_01ARZ3NDEKTSV4RRFFQ69G5FAV",
      sessionId: "ses_0123456789abcdefghijkl",
      role: "viewer" as const,
    };
    const first = await issueAccessToken(subject, { signer });
    const second = await issueAccessToken(subject, { signer });
    for (const { token } of [first, second]) {
      await expect(
        compactVerify(token, createPublicKey(publicKey.export({ format: "pem", type: "spki" }))),
      ).resolves.toBeDefined();
    }
    const principal = await verifyAccessToken(first.token, {
      signer,
      sessions: async () => ({ role: "admin" }),
      clock: { now: () => new Date() },
    });
    // The role comes from the live session lookup, not from the token.
    expect(principal).toMatchObject({ type: "user", role: "admin", principalId: subject.userId });
    expect(calls.filter((c) => c === "GetPublicKeyCommand")).toHaveLength(1);
    expect(calls.filter((c) => c === "SignCommand")).toHaveLength(2);
  });

  it("rejects an expired token and one from the future (beyond the small clock tolerance)", async () => {
    const home = mkdtempSync(join(tmpdir(), "signing-"));
    const signer = fileSigner(await prepareLocalSigningKey(home));
    const subject = {
      accountId: "acc_01ARZ3NDEKTSV4RRFFQ69G5FAV",
      userId: "usr_01ARZ3NDEKTSV4RRFFQ69G5FAV",
      sessionId: "ses_0123456789abcdefghijkl",
      role: "viewer" as const,
    };
    const issuedAt = new Date("2030-01-01T00:00:00Z");
    const { token } = await issueAccessToken(subject, { signer, clock: { now: () => issuedAt } });
    const at = (ms: number) => ({
      signer,
      sessions: async () => ({ role: "viewer" as const }),
      clock: { now: () => new Date(issuedAt.getTime() + ms) },
    });
    expect(await verifyAccessToken(token, at(60_000))).toBeDefined();
    expect(await verifyAccessToken(token, at(16 * 60_000))).toBeUndefined();
    expect(await verifyAccessToken(token, at(-60_000))).toBeUndefined();
    // A revoked session (lookup says undefined) is refused even with a valid signature.
    expect(await verifyAccessToken(token, { ...at(0), sessions: async () => undefined })).toBeUndefined();
  });
});
