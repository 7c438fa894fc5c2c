import { logger } from "../shared/logger.ts";
import type { VerifyDeps } from "./ports.ts";

/**
 * Cancels the OTP messages of a verification that are still waiting for the dispatcher, which drops
 * their encrypted text. Called when the verification closes (approved, failed, cancelled, found
 * expired) and on a resend (the previous code is dead). A message already claimed by the
 * dispatcher or sent is left alone: the conditional write simply does not apply.
 */
export async function forgetQueuedTexts(
  deps: Pick<VerifyDeps, "otpTexts">,
  messageIds: readonly string[],
  at: string,
): Promise<void> {
  const results = await Promise.allSettled(messageIds.map((id) => deps.otpTexts.cancelQueued(id, at)));
  results.forEach((result, index) => {
    if (result.status === "rejected") {
      // Not fatal for the caller's answer: the message still expires at the code's expiry, and the
      // dispatcher drops an OTP text on every final status.
      logger.error("could not cancel a queued OTP text", {
        messageId: messageIds[index],
        error: result.reason as Error,
      });
    }
  });
}
