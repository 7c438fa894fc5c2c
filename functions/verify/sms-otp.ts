import { DomainError } from "../shared/problem.ts";
import { checkVerification, defaultVerifyDeps, startVerification, type VerifyDeps } from "./service.ts";

/**
 * The SMS second factor for dashboard sign-in (identity's SmsOtp is this type). Login codes use the
 * "login" template and live in the "dashboard" namespace: no API key can find, resend, cancel or
 * check them, and their send limits and fraud counters are their own, so no tenant's Verify
 * traffic can block them. The requester for the limits is the user when known, else the source IP.
 */
export interface SmsOtpAdapter {
  start(input: {
    accountId: string;
    phone: string;
    requestId: string;
    userId?: string;
    sourceIp?: string;
    userAgent?: string | undefined;
    locale?: string;
  }): Promise<{ verificationId: string }>;
  /** True only for the right code on a live verification; every refusal is false. */
  check(input: {
    accountId: string;
    verificationId: string;
    code: string;
    requestId: string;
  }): Promise<boolean>;
}

const REFUSALS = new Set([
  "verify-code-incorrect",
  "verify-not-pending",
  "not-found",
  "conflict",
  "validation-failed",
]);

export function verifySmsOtp(deps: () => VerifyDeps = lazyDefaultDeps()): SmsOtpAdapter {
  return {
    async start(input) {
      const view = await startVerification(
        {
          accountId: input.accountId,
          namespace: "dashboard",
          to: input.phone,
          requester: input.userId
            ? { type: "user", id: input.userId }
            : { type: "anonymous", id: `ip:${input.sourceIp ?? "unknown"}` },
          template: "login",
          appName: "Textgate",
          requestId: input.requestId,
          ...(input.sourceIp ? { sourceIp: input.sourceIp } : {}),
          ...(input.userAgent ? { userAgent: input.userAgent } : {}),
          ...(input.locale ? { locale: input.locale } : {}),
        },
        deps(),
      );
      return { verificationId: view.id };
    },
    async check(input) {
      try {
        const view = await checkVerification(
          {
            accountId: input.accountId,
            namespace: "dashboard",
            verificationId: input.verificationId,
            code: input.code,
          },
          deps(),
        );
        return view.status === "approved";
      } catch (error) {
        if (error instanceof DomainError && REFUSALS.has(error.slug)) return false;
        throw error;
      }
    },
  };
}

function lazyDefaultDeps(): () => VerifyDeps {
  let deps: VerifyDeps | undefined;
  return () => {
    deps ??= defaultVerifyDeps();
    return deps;
  };
}
