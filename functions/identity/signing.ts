import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, sign } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { KMSClient } from "@aws-sdk/client-kms";
import { calculateJwkThumbprint, exportJWK } from "jose";
import { envNames } from "../../lib/catalog/env.ts";
import { checkLocalKeyUse } from "../shared/local-key-guard.ts";

/**
 * The token-signing port. On AWS the private key never leaves KMS (ECC_NIST_P256, ECDSA_SHA_256):
 * one Sign call per issued token, GetPublicKey once per container. Offline a P-256 key file stands in.
 * `kid` is the RFC 7638 thumbprint of the public key, so signer and verifier agree without config.
 */
export interface TokenSigner {
  /** JOSE ES256 signature (raw r||s, 64 bytes) over the JWS signing input. */
  sign(signingInput: Uint8Array): Promise<Uint8Array>;
  publicKey(): Promise<KeyObject>;
  kid(): Promise<string>;
}

const P256_COORDINATE_BYTES = 32;

/** KMS returns DER (SEQUENCE { INTEGER r, INTEGER s }); JOSE wants fixed-width r||s. */
export function derToJoseSignature(der: Uint8Array): Uint8Array {
  const bytes = Buffer.from(der);
  let offset = 0;
  const expect = (tag: number) => {
    if (bytes[offset] !== tag) throw new Error("invalid DER ECDSA signature");
    offset += 1;
  };
  const readLength = (): number => {
    const first = bytes[offset++];
    if (first === undefined) throw new Error("invalid DER ECDSA signature");
    if (first < 0x80) return first;
    const count = first & 0x7f;
    let length = 0;
    for (let i = 0; i < count; i++) length = (length << 8) | (bytes[offset++] ?? 0);
    return length;
  };
  const readInteger = (): Buffer => {
    expect(0x02);
    const length = readLength();
    let value = bytes.subarray(offset, offset + length);
    offset += length;
    while (value.length > P256_COORDINATE_BYTES && value[0] === 0) value = value.subarray(1);
    if (value.length > P256_COORDINATE_BYTES) throw new Error("invalid DER ECDSA signature");
    return Buffer.concat([Buffer.alloc(P256_COORDINATE_BYTES - value.length), value]);
  };
  expect(0x30);
  readLength();
  return new Uint8Array(Buffer.concat([readInteger(), readInteger()]));
}

const thumbprintOf = async (key: KeyObject): Promise<string> => calculateJwkThumbprint(await exportJWK(key));

/**
 * The KMS client, imported on the first Sign or GetPublicKey, not at cold start: most requests
 * through the authorizer and the API handlers carry an API key and never sign or verify a token
 * (a bundled import() is a file of its own, lib/bundling.ts).
 */
const kmsModule = () => import("@aws-sdk/client-kms");

export function kmsSigner(keyId: string, client?: KMSClient): TokenSigner {
  let publicKey: Promise<KeyObject> | undefined;
  let kid: Promise<string> | undefined;
  // The promise is kept, not the client: concurrent first calls share one client.
  let kms: Promise<KMSClient> | undefined = client ? Promise.resolve(client) : undefined;
  const kmsClient = (): Promise<KMSClient> => {
    kms ??= kmsModule().then((sdk) => new sdk.KMSClient({ maxAttempts: 3 }));
    return kms;
  };
  const loadPublicKey = (): Promise<KeyObject> => {
    publicKey ??= Promise.all([kmsClient(), kmsModule()])
      .then(([kmsClient, { GetPublicKeyCommand }]) =>
        kmsClient.send(new GetPublicKeyCommand({ KeyId: keyId })),
      )
      .then((out) => {
        if (!out.PublicKey) throw new Error("KMS returned no public key");
        return createPublicKey({ key: Buffer.from(out.PublicKey), format: "der", type: "spki" });
      })
      .catch((error: unknown) => {
        publicKey = undefined; // retry on the next call rather than caching a failure
        throw error;
      });
    return publicKey;
  };
  return {
    async sign(signingInput) {
      const { SignCommand } = await kmsModule();
      const out = await (await kmsClient()).send(
        new SignCommand({
          KeyId: keyId,
          Message: signingInput,
          MessageType: "RAW",
          SigningAlgorithm: "ECDSA_SHA_256",
        }),
      );
      if (!out.Signature) throw new Error("KMS returned no signature");
      return derToJoseSignature(out.Signature);
    },
    publicKey: loadPublicKey,
    kid: () => {
      kid ??= loadPublicKey().then(thumbprintOf);
      return kid;
    },
  };
}

export function fileSigner(path: string): TokenSigner {
  const privateKey = createPrivateKey(readFileSync(path));
  const publicKey = createPublicKey(privateKey);
  const kid = thumbprintOf(publicKey);
  // The file stands in for the KMS key: each use is checked against the caller's key grants.
  return {
    async sign(signingInput) {
      checkLocalKeyUse("signing", "sign");
      return new Uint8Array(sign("sha256", signingInput, { key: privateKey, dsaEncoding: "ieee-p1363" }));
    },
    publicKey: async () => {
      checkLocalKeyUse("signing", "getPublicKey");
      return publicKey;
    },
    kid: async () => {
      checkLocalKeyUse("signing", "getPublicKey");
      return kid;
    },
  };
}

/** Local file if set (offline platform), else the catalogue's KMS key. */
export function signerFromEnv(env: NodeJS.ProcessEnv = process.env): TokenSigner {
  const localPath = env[envNames.localSigningKey];
  if (localPath) return fileSigner(localPath);
  const keyId = env[envNames.keyArn("signing")];
  if (!keyId) {
    throw new Error(
      `configuration: neither ${envNames.localSigningKey} nor ${envNames.keyArn("signing")} is set`,
    );
  }
  return kmsSigner(keyId);
}

let shared: TokenSigner | undefined;

/** Container-wide signer: the public key (and kid) is fetched once, not per request. */
export function tokenSigner(): TokenSigner {
  shared ??= signerFromEnv();
  return shared;
}

/**
 * Creates the local signing key once (P-256, PKCS#8 PEM, mode 0600) under `homeDir` and returns its
 * path. Idempotent; a concurrent creator loses the exclusive-create race and reuses the winner's key.
 */
export async function prepareLocalSigningKey(homeDir: string): Promise<string> {
  mkdirSync(homeDir, { recursive: true });
  const path = join(homeDir, "signing-key.pem");
  if (existsSync(path)) return path;
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const pem = privateKey.export({ format: "pem", type: "pkcs8" });
  try {
    writeFileSync(path, pem, { mode: 0o600, flag: "wx" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  return path;
}
