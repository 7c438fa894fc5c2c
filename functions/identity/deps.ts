import { dynamoAuditLog } from "../audit/store.ts";
import { systemClock } from "../shared/clock.ts";
import { fieldCipher } from "../shared/crypto.ts";
import { dynamoRateLimiter } from "../shared/rate-limit.ts";
import { hasher } from "../shared/secrets.ts";
import type { AuthDeps } from "./auth-service.ts";
import { dynamoFailureTracker } from "./brute-force.ts";
import { smsOtpFromVerify } from "./mfa-sms.ts";
import { tokenSigner } from "./signing.ts";

/** Production wiring of the identity ports, built on first use (cold start does no I/O). */
let shared: AuthDeps | undefined;

export function identityDeps(): AuthDeps {
  shared ??= {
    clock: systemClock,
    audit: dynamoAuditLog(systemClock),
    limiter: dynamoRateLimiter(systemClock),
    failures: dynamoFailureTracker(systemClock),
    hasher: hasher(),
    cipher: fieldCipher(),
    // Getter-free laziness: the signer reads its key only when a token is issued or verified.
    get signer() {
      return tokenSigner();
    },
    sms: smsOtpFromVerify(),
  };
  return shared;
}
