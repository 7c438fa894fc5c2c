import { readFileSync } from "node:fs";
// The Encryption SDK's own ESM packages, not the @aws-crypto/client-node umbrella: that one is
// CommonJS and require()s every keyring (RSA, hierarchical with its DynamoDB branch key store, …), so
// esbuild cannot tree-shake it and each function evaluated all of it at cold start. Same 5.0.2
// packages the umbrella re-exports (test/infra/lean-bundles.test.ts keeps the umbrella out).
import {
  getLocalCryptographicMaterialsCache,
  NodeCachingMaterialsManager,
} from "@aws-crypto/caching-materials-manager-node";
import { buildDecrypt } from "@aws-crypto/decrypt-node";
import { buildEncrypt } from "@aws-crypto/encrypt-node";
// The file, not the package index: the index also exports the hierarchical keyring, whose DynamoDB
// branch key store would drag the whole DynamoDB client (every command) into the lazily loaded part,
// where esbuild cannot tree-shake it (+90 KB). The ESM build, as esbuild and tsx resolve it (plain
// node cannot: its imports have no extensions; nothing here runs TypeScript without tsx).
import { KmsKeyringNode } from "@aws-crypto/kms-keyring-node/build/module/src/kms_keyring_node.js";
import {
  AlgorithmSuiteIdentifier,
  CommitmentPolicy,
  type KeyringNode,
} from "@aws-crypto/material-management-node";
import { RawAesKeyringNode, RawAesWrappingSuiteIdentifier } from "@aws-crypto/raw-aes-keyring-node";
import { envNames } from "../../lib/catalog/env.ts";
import { FIELD_KEY_ID } from "../../lib/catalog/platform.ts";
import type { FieldCipher } from "./crypto.ts";

/**
 * The AWS Encryption SDK side of functions/shared/crypto.ts, in its own module so that crypto.ts can
 * import it on first use: the SDK (with bn.js, asn1.js, readable-stream and the KMS client, ~300 KB)
 * is then evaluated when a function first encrypts or decrypts, not at every cold start, and never
 * by a request that stops before (validation errors, authorization failures, idempotent replays).
 */

// Committing, unsigned suite: key commitment without the per-message ECDSA cost of the signed suite.
const SUITE = AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY;
const { encrypt } = buildEncrypt(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
const { decrypt } = buildDecrypt(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);

/** Keyring from the environment: a local keyring file if set, else the KMS key from the catalogue. */
export function keyringFromEnv(env: NodeJS.ProcessEnv = process.env): KeyringNode {
  const localPath = env[envNames.localKeyring];
  if (localPath) {
    const key = readFileSync(localPath);
    if (key.length !== 32) throw new Error("local keyring must be exactly 32 bytes");
    return new RawAesKeyringNode({
      keyNamespace: "textgate-local",
      keyName: "data",
      unencryptedMasterKey: new Uint8Array(key),
      wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
    });
  }
  const keyArn = env[envNames.keyArn(FIELD_KEY_ID)];
  if (!keyArn) {
    throw new Error(
      `configuration: neither ${envNames.localKeyring} nor ${envNames.keyArn(FIELD_KEY_ID)} is set`,
    );
  }
  return new KmsKeyringNode({ generatorKeyId: keyArn });
}

/**
 * A cipher that caches data keys (5 min / 10,000 messages) so KMS sees about one call per
 * thousands of fields, not one per field. Decryption materials are cached the same way.
 */
export function createFieldCipher(keyring: KeyringNode): FieldCipher {
  const cmm = new NodeCachingMaterialsManager({
    backingMaterials: keyring,
    cache: getLocalCryptographicMaterialsCache(1000),
    maxAge: 5 * 60 * 1000,
    maxMessagesEncrypted: 10_000,
    partition: "textgate-fields",
  });
  return {
    async encrypt(plaintext, context) {
      const { result } = await encrypt(cmm, plaintext, {
        encryptionContext: { ...context },
        suiteId: SUITE,
        plaintextLength: Buffer.byteLength(plaintext),
      });
      return result.toString("base64");
    },
    async decrypt(ciphertext, context) {
      const { plaintext, messageHeader } = await decrypt(cmm, Buffer.from(ciphertext, "base64"));
      for (const [name, value] of Object.entries(context)) {
        if (messageHeader.encryptionContext[name] !== value) throw new Error("encryption context mismatch");
      }
      return plaintext.toString("utf8");
    },
  };
}
