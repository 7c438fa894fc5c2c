/**
 * Verify use cases against the real emulators (DynamoDB Local), with an injected clock so expiry is
 * tested without sleeping.
 */
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { dynamoClient } from "../../functions/shared/aws.ts";
import { tableName } from "../../functions/shared/config.ts";
import {
  cancelVerification,
  checkVerification,
  getVerification,
  startVerification,
} from "../../functions/verify/service.ts";
import { useLocalPlatformEnv } from "../support/env.ts";
import { codeIn, domainError, estonianMobile, testAccountId, verifyHarness } from "./support.ts";

useLocalPlatformEnv();

const requester = { type: "apiKey", id: "key_lifecycle" } as const;

describe("verification lifecycle (use cases, emulators)", () => {
  it("approves the right code once; the approved code cannot be reused", async () => {
    const h = verifyHarness();
    const accountId = testAccountId();
    const to = estonianMobile();
    const started = await startVerification({ accountId, to, requester }, h.deps);
    expect(started).toMatchObject({
      status: "pending",
      channel: "sms",
      sendAttempts: 1,
      attemptsRemaining: 5,
    });
    expect(started.to).toBe(`+********${to.slice(-3)}`);
    const code = h.lastCodeTo(to);
    expect(code).toMatch(/^[0-9]{6}$/);

    const approved = await checkVerification({ accountId, verificationId: started.id, code }, h.deps);
    expect(approved.status).toBe("approved");
    const again = await domainError(
      checkVerification({ accountId, verificationId: started.id, code }, h.deps),
    );
    expect(again).toMatchObject({
      slug: "verify-not-pending",
      extensions: { verificationStatus: "approved" },
    });
  });

  it("refuses a code after expiry (injected clock), and reads as expired", async () => {
    const h = verifyHarness();
    const accountId = testAccountId();
    const to = estonianMobile();
    const started = await startVerification({ accountId, to, requester, expirySeconds: 60 }, h.deps);
    const code = h.lastCodeTo(to);
    h.clock.advance(61);
    const refused = await domainError(
      checkVerification({ accountId, verificationId: started.id, code }, h.deps),
    );
    expect(refused).toMatchObject({
      slug: "verify-not-pending",
      extensions: { verificationStatus: "expired" },
    });
    expect((await getVerification({ accountId, verificationId: started.id }, h.deps)).status).toBe("expired");
  });

  it("a right code just before expiry still works", async () => {
    const h = verifyHarness();
    const accountId = testAccountId();
    const to = estonianMobile();
    const started = await startVerification({ accountId, to, requester, expirySeconds: 120 }, h.deps);
    h.clock.advance(119);
    const view = await checkVerification(
      { accountId, verificationId: started.id, code: h.lastCodeTo(to) },
      h.deps,
    );
    expect(view.status).toBe("approved");
  });

  it("five wrong codes fail the verification; the right code is refused afterwards", async () => {
    const h = verifyHarness();
    const accountId = testAccountId();
    const to = estonianMobile();
    const { id } = await startVerification({ accountId, to, requester }, h.deps);
    const code = h.lastCodeTo(to);
    const wrong = code === "000000" ? "000001" : "000000";
    for (let i = 1; i <= 5; i++) {
      const error = await domainError(
        checkVerification({ accountId, verificationId: id, code: wrong }, h.deps),
      );
      expect(error).toMatchObject({
        slug: "verify-code-incorrect",
        extensions: { attemptsRemaining: 5 - i, verificationStatus: i === 5 ? "failed" : "pending" },
      });
    }
    const refused = await domainError(checkVerification({ accountId, verificationId: id, code }, h.deps));
    expect(refused).toMatchObject({
      slug: "verify-not-pending",
      extensions: { verificationStatus: "failed" },
    });
  });

  it("a resend kills the old code and keeps the failure count", async () => {
    const h = verifyHarness();
    const accountId = testAccountId();
    const to = estonianMobile();
    const first = await startVerification({ accountId, to, requester }, h.deps);
    const oldCode = h.lastCodeTo(to);
    const wrong = oldCode === "999999" ? "999998" : "999999";
    await domainError(checkVerification({ accountId, verificationId: first.id, code: wrong }, h.deps));
    await domainError(checkVerification({ accountId, verificationId: first.id, code: wrong }, h.deps));

    const second = await startVerification({ accountId, to, requester }, h.deps);
    expect(second.id).toBe(first.id);
    expect(second.sendAttempts).toBe(2);
    expect(second.attemptsRemaining).toBe(3);
    const newCode = h.lastCodeTo(to);

    if (newCode !== oldCode) {
      const old = await domainError(
        checkVerification({ accountId, verificationId: first.id, code: oldCode }, h.deps),
      );
      expect(old).toMatchObject({ slug: "verify-code-incorrect", extensions: { attemptsRemaining: 2 } });
    }
    const ok = await checkVerification({ accountId, verificationId: first.id, code: newCode }, h.deps);
    expect(ok.status).toBe("approved");
  });

  it("a failed verification cannot be restarted for fresh guesses before it expires", async () => {
    const h = verifyHarness();
    const accountId = testAccountId();
    const to = estonianMobile();
    const { id } = await startVerification({ accountId, to, requester, expirySeconds: 300 }, h.deps);
    const code = h.lastCodeTo(to);
    const wrong = code === "123123" ? "321321" : "123123";
    for (let i = 0; i < 5; i++)
      await domainError(checkVerification({ accountId, verificationId: id, code: wrong }, h.deps));
    const again = await domainError(startVerification({ accountId, to, requester }, h.deps));
    expect(again.slug).toBe("rate-limited");
    expect(Number(again.headers["Retry-After"])).toBeGreaterThan(0);
    expect(h.sent).toHaveLength(1);

    h.clock.advance(301);
    const fresh = await startVerification({ accountId, to, requester }, h.deps);
    expect(fresh.id).not.toBe(id);
    expect(fresh.attemptsRemaining).toBe(5);
  });

  it("another account's verification is not found, for read, check and cancel", async () => {
    const h = verifyHarness();
    const accountId = testAccountId();
    const to = estonianMobile();
    const { id } = await startVerification({ accountId, to, requester }, h.deps);
    const other = testAccountId();
    const code = h.lastCodeTo(to);
    expect((await domainError(getVerification({ accountId: other, verificationId: id }, h.deps))).slug).toBe(
      "not-found",
    );
    expect(
      (await domainError(checkVerification({ accountId: other, verificationId: id, code }, h.deps))).slug,
    ).toBe("not-found");
    expect(
      (await domainError(cancelVerification({ accountId: other, verificationId: id }, h.deps))).slug,
    ).toBe("not-found");
    // Ids that are not verification ids (the table also holds resend pointers) are never read.
    const pointerLike = `cur#${accountId}#${await h.deps.hasher.hmac("phone-index", to)}`;
    expect(
      (await domainError(getVerification({ accountId, verificationId: pointerLike }, h.deps))).slug,
    ).toBe("not-found");
    // Untouched for its owner.
    expect((await checkVerification({ accountId, verificationId: id, code }, h.deps)).status).toBe(
      "approved",
    );
  });

  it("a cancelled verification refuses its code; a new start opens a fresh one", async () => {
    const h = verifyHarness();
    const accountId = testAccountId();
    const to = estonianMobile();
    const { id } = await startVerification({ accountId, to, requester }, h.deps);
    const code = h.lastCodeTo(to);
    expect((await cancelVerification({ accountId, verificationId: id }, h.deps)).status).toBe("cancelled");
    const refused = await domainError(checkVerification({ accountId, verificationId: id, code }, h.deps));
    expect(refused).toMatchObject({
      slug: "verify-not-pending",
      extensions: { verificationStatus: "cancelled" },
    });
    const next = await startVerification({ accountId, to, requester }, h.deps);
    expect(next.id).not.toBe(id);
  });

  it("concurrent checks never spend more than one attempt each, and at most one wins", async () => {
    const h = verifyHarness();
    const accountId = testAccountId();
    const to = estonianMobile();
    const { id } = await startVerification({ accountId, to, requester }, h.deps);
    const code = h.lastCodeTo(to);
    const guesses = ["111111", "222222", "333333", "444444", "555555", "666666", "777777", code];
    const results = await Promise.allSettled(
      guesses.map((guess) => checkVerification({ accountId, verificationId: id, code: guess }, h.deps)),
    );
    const approved = results.filter((r) => r.status === "fulfilled");
    expect(approved.length).toBeLessThanOrEqual(1);
    const after = await getVerification({ accountId, verificationId: id }, h.deps);
    const counted = results.filter(
      (r) => r.status === "rejected" && (r.reason as { slug?: string }).slug === "verify-code-incorrect",
    ).length;
    // Every attempt that was counted shows in the item; losers of a race (409) were not counted.
    if (after.status === "pending") expect(after.attemptsRemaining).toBe(5 - counted);
  });

  it("concurrent starts for one number open one verification (no doubled wrong-code budget)", async () => {
    const h = verifyHarness();
    const accountId = testAccountId();
    const to = estonianMobile();
    const views = await Promise.all(
      [1, 2, 3].map(() => startVerification({ accountId, to, requester }, h.deps)),
    );
    expect(new Set(views.map((v) => v.id)).size).toBe(1);
    expect(Math.max(...views.map((v) => v.sendAttempts))).toBe(3);
    // Exactly one of the three codes sent is alive (whichever write landed last).
    const id = views[0]?.id ?? "";
    const codes = h.sent.filter((s) => s.to === to).map((s) => codeIn(s.text));
    expect(codes).toHaveLength(3);
    let approvals = 0;
    for (const code of new Set(codes)) {
      const view = await getVerification({ accountId, verificationId: id }, h.deps);
      if (view.status !== "pending") break;
      try {
        if ((await checkVerification({ accountId, verificationId: id, code }, h.deps)).status === "approved")
          approvals++;
      } catch {
        // a dead code
      }
    }
    expect(approvals).toBe(1);
  });

  it("stores no usable code: the raw item has only an HMAC bound to id and number, and no clear number", async () => {
    const h = verifyHarness();
    const accountId = testAccountId();
    const to = estonianMobile();
    const { id } = await startVerification({ accountId, to, requester, codeLength: 10 }, h.deps);
    const code = h.lastCodeTo(to);
    const { Item } = await dynamoClient().send(
      new GetCommand({ TableName: tableName("verifications"), Key: { pk: id } }),
    );
    expect(Item).toBeDefined();
    const raw = JSON.stringify(Item);
    expect(raw).not.toContain(code);
    expect(raw).not.toContain(to.slice(1));
    expect(Item?.codeHash).toMatch(/^[0-9a-f]{64}$/);
    // A plain (unkeyed) hash of the code would be brute-forceable from the table alone; ours is keyed.
    const { createHash } = await import("node:crypto");
    for (const candidate of [code, `${id}:${to}:${code}`]) {
      expect(Item?.codeHash).not.toBe(createHash("sha256").update(candidate).digest("hex"));
    }
    // Bound to the verification: the same code under another id hashes differently.
    expect(await h.deps.hasher.hmac("otp", `ver_other:${to}:${code}`)).not.toBe(Item?.codeHash);
    expect(await h.deps.hasher.hmac("otp", `${id}:${to}:${code}`)).toBe(Item?.codeHash);
    // TTL: code expiry plus grace.
    expect(Item?.expiresAt).toBe((Item?.codeExpiresAt as number) + 24 * 3600);
  });
});

describe("SMS second factor adapter (identity)", () => {
  it("starts with the login template and answers checks with true/false", async () => {
    const { verifySmsOtp } = await import("../../functions/verify/sms-otp.ts");
    const h = verifyHarness();
    const otp = verifySmsOtp(() => h.deps);
    const accountId = testAccountId();
    const phone = estonianMobile();
    const { verificationId } = await otp.start({ accountId, phone, requestId: "req_1", userId: "usr_1" });
    // Signed with the platform name, so a user can tell the sign-in code from a customer's codes.
    expect(h.sent.at(-1)?.text).toMatch(/^Textgate: Your login code is [0-9]{6}\./);
    const code = h.lastCodeTo(phone);
    const wrong = code === "000000" ? "000001" : "000000";
    expect(await otp.check({ accountId, verificationId, code: wrong, requestId: "req_2" })).toBe(false);
    expect(await otp.check({ accountId, verificationId, code, requestId: "req_3" })).toBe(true);
    expect(await otp.check({ accountId, verificationId, code, requestId: "req_4" })).toBe(false);
    expect(await otp.check({ accountId: testAccountId(), verificationId, code, requestId: "req_5" })).toBe(
      false,
    );
  });
});
