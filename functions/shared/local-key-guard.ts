/**
 * Offline, KMS is replaced by files (the keyring for field encryption, a P-256 key for token
 * signing), which nothing would stop a function from reading. The local platform registers a guard
 * here that refuses a key use outside the calling function's catalogue grants, with KMS's
 * AccessDeniedException. On AWS nothing is registered: KMS itself enforces the IAM policy.
 */
export type LocalKeyAction = "encrypt" | "decrypt" | "sign" | "getPublicKey";
export type LocalKeyGuard = (keyId: string, action: LocalKeyAction) => void;

let guard: LocalKeyGuard | undefined;

export function setLocalKeyGuard(next: LocalKeyGuard | undefined): void {
  guard = next;
}

/** Called before every use of a local key stand-in; throws when the calling function may not. */
export function checkLocalKeyUse(keyId: string, action: LocalKeyAction): void {
  guard?.(keyId, action);
}
