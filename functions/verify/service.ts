import * as z from "zod";
import { dynamoAuditLog } from "../audit/store.ts";
import { queueFor } from "../messages/model.ts";
import { defaultMessagingDeps, type MessagingDeps, prepareMessage } from "../messages/service.ts";
import { dynamoMessageStateStore, type MessageStateStore } from "../messages/state-store.ts";
import { systemClock } from "../shared/clock.ts";
import { loadConfig } from "../shared/config.ts";
import { fieldCipher } from "../shared/crypto.ts";
import { logger } from "../shared/logger.ts";
import { metricsEnabled } from "../shared/metrics-enabled.ts";
import { hasher } from "../shared/secrets.ts";
import { defaultFraudPolicy } from "./fraud-guard.ts";
import { dynamoFraudCounters } from "./fraud-store.ts";
import { slidingLimiter } from "./limits.ts";
import { noVerifyMetrics, powertoolsVerifyMetrics } from "./metrics.ts";
import type { OtpTexts, VerifyDeps, VerifySettings } from "./ports.ts";
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

/**
 * OTP texts go through the one send pipeline with priority "otp" (the sms-otp queue). The message
 * is written by the verification store, in the start's own transaction.
 */
export function messagingOtpTexts(
  messaging: MessagingDeps,
  state: MessageStateStore = dynamoMessageStateStore(messaging.messages),
): OtpTexts {
  return {
    async prepare(input) {
      const prepared = await prepareMessage({ ...input, priority: "otp" }, messaging);
      return prepared.message;
    },
    enqueue: (message) => messaging.queue.enqueue(queueFor(message.priority), message.id, 0),
    async requeueIfQueued(messageId) {
      const message = await messaging.messages.get(messageId);
      if (message?.status !== "queued") return;
      logger.info("replayed start of an OTP text still queued: enqueued again", { messageId });
      await messaging.queue.enqueue(queueFor(message.priority), message.id, 0);
    },
    async cancelQueued(messageId, at) {
      // A read first: a closed verification is looked at again and again (checks, cancels), and a
      // conditional write that does not apply still costs a write.
      const message = await messaging.messages.get(messageId);
      if (message?.status !== "queued" && message?.status !== "scheduled") return false;
      return state.cancelQueued(messageId, at);
    },
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
    verificationDays: async (accountId) =>
      (await messaging.accounts.getAccount(accountId))?.retention.verificationDays,
    otpTexts: messagingOtpTexts(messaging),
    audit: dynamoAuditLog(clock),
    metrics: metricsEnabled() ? powertoolsVerifyMetrics() : noVerifyMetrics,
    settings: verifySettingsFromEnv(),
  };
}
