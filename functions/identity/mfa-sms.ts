import { DomainError } from "../shared/problem.ts";
import { verifySmsOtp } from "../verify/sms-otp.ts";

/**
 * SMS second factor through the platform's own Verify flow (the account pays for its users' codes
 * like for any verification). A port, so the identity use cases do not depend on Verify's internals.
 */
export interface SmsOtp {
  start(input: {
    accountId: string;
    userId: string;
    phone: string;
    requestId: string;
    sourceIp?: string;
  }): Promise<{ verificationId: string }>;
  /** True only for the right code on a live verification; Verify enforces its own attempt limits. */
  check(input: {
    accountId: string;
    verificationId: string;
    code: string;
    requestId: string;
  }): Promise<boolean>;
}

/** Used until the Verify use cases are wired: SMS factors refuse cleanly instead of failing open. */
export const unavailableSmsOtp: SmsOtp = {
  async start() {
    throw new DomainError("service-unavailable", "SMS codes are not available yet; use an authenticator app");
  },
  async check() {
    throw new DomainError("service-unavailable", "SMS codes are not available yet; use an authenticator app");
  },
};

/**
 * The SMS factor on the Verify use cases (functions/verify/sms-otp.ts): the code goes out as a
 * priority "otp" message with the "login" template, under the account's country allow-list, fraud
 * guard and send limits; the check spends Verify's attempts (5), on top of the sign-in challenge's
 * own limit.
 */
export const smsOtpFromVerify = (): SmsOtp => verifySmsOtp();
