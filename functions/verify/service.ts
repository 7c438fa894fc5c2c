import * as z from "zod";
import { dynamoAuditLog } from "../audit/store.ts";
import { acceptMessage, defaultMessagingDeps, type MessagingDeps } from "../messages/service.ts";
import { systemClock } from "../shared/clock.ts";
import { loadConfig } from "../shared/config.ts";
import { fieldCipher } from "../shared/crypto.ts";
import { metricsEnabled } from "../shared/metrics-enabled.ts";
import { hasher } from "../shared/secrets.ts";
import { defaultFraudPolicy } from "./fraud-guard.ts";
import { dynamoFraudCounters } from "./fraud-store.ts";
import { slidingLimiter } from "./limits.ts";
import { noVerifyMetrics, powertoolsVerifyMetrics } from "./metrics.ts";
import type { SendOtpSms, VerifyDeps, VerifySettings } from "./ports.ts";
import { MAX_EXPIRY_SECONDS, MIN_EXPIRY_SECONDS } from "./start.ts";
import { dynamoVerificationStore } from "./store.ts";

export type { CancelVerificationInput, CheckVerificationInput } from "./check.ts";
/**
 * The Verify use cases (start, check, cancel, get) and their production wiring. Other capabilities
 * (identity: SMS 2FA at login) call these directly with `defaultVerifyDeps()`.
 */
export { cancelVerification, checkVerification, getVerification } from "./check.ts";
export type { VerifyDeps } from "./ports.ts";
export type { Requester, StartVerificationInput } from "./start.ts";
export { startVerification } from "./start.ts";
export type { VerificationView } from "./view.ts";

const flag = z.enum(["true", "false"]).transform((value) => value === "true");

const verifyEnv = z.object({
  VERIFY_DEFAULT_EXPIRY_SECONDS: z.coerce
    .number()
    .int()
    .min(MIN_EXPIRY_SECONDS)
    .max(MAX_EXPIRY_SECONDS)
    .default(600),
  /** Restrict OTP texts to TLS-capable carrier routes. */
  VERIFY_REQUIRE_TLS: flag.default(false),
});

export function verifySettingsFromEnv(env: NodeJS.ProcessEnv = process.env): VerifySettings {
  const parsed = loadConfig(verifyEnv, env);
  return {
    defaultExpirySeconds: parsed.VERIFY_DEFAULT_EXPIRY_SECONDS,
    maxCheckAttempts: 5,
    graceSeconds: 24 * 3600,
    requireTls: parsed.VERIFY_REQUIRE_TLS,
  };
}

/** OTP texts go through the one send pipeline with priority "otp" (the sms-otp queue). */
export function messagingOtpSender(messaging: MessagingDeps): SendOtpSms {
  return async (input) => {
    const accepted = await acceptMessage(
      {
        accountId: input.accountId,
        to: input.to,
        text: input.text,
        priority: "otp",
        validitySeconds: input.validitySeconds,
        requireTls: input.requireTls,
        tag: input.tag,
      },
      messaging,
    );
    return { messageId: accepted.id };
  };
}

export function defaultVerifyDeps(): VerifyDeps {
  const clock = systemClock;
  const messaging = defaultMessagingDeps();
  return {
    clock,
    store: dynamoVerificationStore(),
    hasher: hasher(),
    cipher: fieldCipher(),
    limiter: slidingLimiter(clock),
    fraudCounters: dynamoFraudCounters(defaultFraudPolicy.windowSeconds),
    fraudPolicy: defaultFraudPolicy,
    allowedCountries: async (accountId) =>
      (await messaging.accounts.getAccount(accountId))?.allowedCountries ?? [],
    sendOtpSms: messagingOtpSender(messaging),
    audit: dynamoAuditLog(clock),
    metrics: metricsEnabled() ? powertoolsVerifyMetrics() : noVerifyMetrics,
    settings: verifySettingsFromEnv(),
  };
}
