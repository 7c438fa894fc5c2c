import { type SmsOtpAdapter, verifySmsOtp } from "../verify/sms-otp.ts";

/**
 * The SMS second factor, defined once by the Verify capability (functions/verify/sms-otp.ts): the
 * code goes out as a priority "otp" message with the "login" template, under the account's country
 * allow-list, fraud guard and send limits; the check spends Verify's attempts (5), on top of the
 * sign-in challenge's own limit. The account pays for its users' codes like for any verification.
 */
export type SmsOtp = SmsOtpAdapter;

export const smsOtpFromVerify = (): SmsOtp => verifySmsOtp();
