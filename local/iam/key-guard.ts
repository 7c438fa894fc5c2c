/**
 * The local KMS stand-ins (keyring file, signing-key file) ask this guard before each use; inside a
 * function invocation it applies the function's key grants like KMS applies its IAM policy.
 */
import { setLocalKeyGuard } from "../../functions/shared/local-key-guard.ts";
import { KMS_ACTIONS } from "../../lib/catalog/index.ts";
import { authorize, currentFunction } from "./enforcement.ts";
import { localKeyArn } from "./policy.ts";

export function installLocalKeyGuard(): void {
  setLocalKeyGuard((keyId, access) => {
    const identity = currentFunction();
    if (!identity) return;
    const resource = localKeyArn(identity.scope, keyId);
    // Every KMS action behind the access must be allowed (encrypt = Encrypt + GenerateDataKey).
    authorize(
      identity,
      KMS_ACTIONS[access].map((action) => ({ action, resource })),
    );
  });
}
