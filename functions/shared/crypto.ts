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

let loading: Promise<FieldCipher> | undefined;

/**
 * The SDK-backed cipher, loaded on first use (functions/shared/encryption-sdk.ts says why). A failed
 * load (e.g. no key configured) is not cached, so the next call tries again and fails the same way.
 */
function loadCipher(): Promise<FieldCipher> {
  loading ??= import("./encryption-sdk.ts")
    .then((sdk) => sdk.createFieldCipher(sdk.keyringFromEnv()))
    .catch((error: unknown) => {
      loading = undefined;
      throw error;
    });
  return loading;
}

let shared: FieldCipher | undefined;

/** The container-wide cipher: cheap to create, it loads the Encryption SDK when first used. */
export function fieldCipher(): FieldCipher {
  shared ??= guardedByLocalKeyGrants({
    encrypt: async (plaintext, context) => (await loadCipher()).encrypt(plaintext, context),
    decrypt: async (ciphertext, context) => (await loadCipher()).decrypt(ciphertext, context),
  });
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
