/**
 * Dashboard sign-in codes (identity's SMS factor) live in a namespace of their own: a tenant's API
 * key starting a verification to the same number opens its own verification instead of resending
 * the login code, and cannot read, check, cancel or fail the login code by id.
 */
import { describe, expect, it } from "vitest";
import {
  cancelVerification,
  checkVerification,
  getVerification,
  startVerification,
} from "../../functions/verify/service.ts";
import { verifySmsOtp } from "../../functions/verify/sms-otp.ts";
import { useLocalPlatformEnv } from "../support/env.ts";
import { domainError, estonianMobile, testAccountId, verifyHarness } from "./support.ts";

useLocalPlatformEnv();

const apiKey = { type: "apiKey", id: "key_colleague" } as const;

describe("dashboard 2FA namespace", () => {
  it("a tenant start to the same number neither resends nor replaces the user's login code", async () => {
    const h = verifyHarness();
    const sms = verifySmsOtp(() => h.deps);
    const accountId = testAccountId();
    const phone = estonianMobile();
    const { verificationId: loginId } = await sms.start({
      accountId,
      phone,
      requestId: "r1",
      userId: "usr_a",
    });
    const loginCode = h.lastCodeTo(phone);

    const tenant = await startVerification({ accountId, to: phone, requester: apiKey }, h.deps);
    expect(tenant.id).not.toBe(loginId);
    expect(tenant.sendAttempts).toBe(1);
    // Five wrong codes and a cancel on the tenant's verification leave the login code untouched.
    for (let i = 0; i < 5; i++) {
      await domainError(
        checkVerification(
          { accountId, verificationId: tenant.id, code: loginCode === "000000" ? "111111" : "000000" },
          h.deps,
        ),
      );
    }
    expect(await sms.check({ accountId, verificationId: loginId, code: loginCode, requestId: "r2" })).toBe(
      true,
    );
  });

  it("the tenant API cannot read, check, cancel or fail a login code by its id", async () => {
    const h = verifyHarness();
    const sms = verifySmsOtp(() => h.deps);
    const accountId = testAccountId();
    const phone = estonianMobile();
    const { verificationId } = await sms.start({ accountId, phone, requestId: "r1", userId: "usr_b" });
    const code = h.lastCodeTo(phone);
    const wrong = code === "000000" ? "111111" : "000000";

    expect((await domainError(getVerification({ accountId, verificationId }, h.deps))).slug).toBe(
      "not-found",
    );
    expect((await domainError(cancelVerification({ accountId, verificationId }, h.deps))).slug).toBe(
      "not-found",
    );
    for (let i = 0; i < 5; i++) {
      expect(
        (await domainError(checkVerification({ accountId, verificationId, code: wrong }, h.deps))).slug,
      ).toBe("not-found");
    }
    // Nor can the API approve it with the right code (it would learn the code is right).
    expect((await domainError(checkVerification({ accountId, verificationId, code }, h.deps))).slug).toBe(
      "not-found",
    );
    expect(await sms.check({ accountId, verificationId, code, requestId: "r2" })).toBe(true);
  });

  it("the login factor cannot reach a tenant's API verification either", async () => {
    const h = verifyHarness();
    const accountId = testAccountId();
    const phone = estonianMobile();
    const tenant = await startVerification({ accountId, to: phone, requester: apiKey }, h.deps);
    const code = h.lastCodeTo(phone);
    const sms = verifySmsOtp(() => h.deps);
    expect(await sms.check({ accountId, verificationId: tenant.id, code, requestId: "r3" })).toBe(false);
    expect((await getVerification({ accountId, verificationId: tenant.id }, h.deps)).status).toBe("pending");
  });
});
