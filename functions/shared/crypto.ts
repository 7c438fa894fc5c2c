import { readFileSync } from "node:fs";
import {
  AlgorithmSuiteIdentifier,
  buildClient,
  CommitmentPolicy,
  getLocalCryptographicMaterialsCache,
  type KeyringNode,
  KmsKeyringNode,
  NodeCachingMaterialsManager,
  RawAesKeyringNode,
  RawAesWrappingSuiteIdentifier,
} from "@aws-crypto/client-node";
import { envNames } from "../../lib/catalog/env.ts";
import { FIELD_KEY_ID } from "../../lib/catalog/platform.ts";
import { checkLocalKeyUse } from "./local-key-guard.ts";

/**
 * Field-level envelope encryption for phone numbers, message bodies and stored secrets.
 * On AWS the data key is wrapped by the catalogue's field key (FIELD_KEY_ID, a KMS key no table,
 * queue or log uses); offline a raw AES keyring (a 32-byte file made by the local platform) stands in
 * for it: the field key is the only catalogue key functions call, so one local keyring maps to it.
 * Same SDK, same message format.
 */
export interface FieldCipher {
  /** Returns a base64 AWS Encryption SDK message bound to `context` (e.g. {accountId, field}). */
  encrypt(plaintext: string, context: Readonly<Record<string, string>>): Promise<string>;
  /** Fails unless `context` matches what the ciphertext was bound to. */
  decrypt(ciphertext: string, context: Readonly<Record<string, string>>): Promise<string>;
}

// Committing, unsigned suite: key commitment without the per-message ECDSA cost of the signed suite.
const SUITE = AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY;
const { encrypt, decrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);

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

let shared: FieldCipher | undefined;

/** The container-wide cipher (built on first use so cold start does no crypto work). */
export function fieldCipher(): FieldCipher {
  shared ??= guardedByLocalKeyGrants(createFieldCipher(keyringFromEnv()));
  return shared;
}

/**
 * Every use asks the local key guard first: the cached cipher is shared by all functions of the
 * local platform's process, so the grant is checked per call, not once. A no-op on AWS (KMS decides).
 */
function guardedByLocalKeyGrants(cipher: FieldCipher): FieldCipher {
  return {
    async encrypt(plaintext, context) {
      checkLocalKeyUse("data", "encrypt");
      return cipher.encrypt(plaintext, context);
    },
    async decrypt(ciphertext, context) {
      checkLocalKeyUse("data", "decrypt");
      return cipher.decrypt(ciphertext, context);
    },
  };
}
