import { dynamoAuditLog } from "../audit/store.ts";
import { systemClock } from "../shared/clock.ts";
import { fieldCipher } from "../shared/crypto.ts";
import { type Mailer, mailerFromEnv } from "../shared/mail.ts";
import { dynamoRateLimiter } from "../shared/rate-limit.ts";
import { hasher } from "../shared/secrets.ts";
import type { AuthDeps } from "./auth-service.ts";
import { dynamoFailureTracker } from "./brute-force.ts";
import { smsOtpFromVerify } from "./mfa-sms.ts";
import { tokenSigner } from "./signing.ts";

/** Everything the identity handlers use: sign-in ports plus platform email (invitations). */
export type IdentityDeps = AuthDeps & { readonly mail: Mailer };

/** Production wiring of the identity ports, built on first use (cold start does no I/O). */
let shared: IdentityDeps | undefined;

export function identityDeps(): IdentityDeps {
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
    mail: mailerFromEnv(),
  };
  return shared;
}
