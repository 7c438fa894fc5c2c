/**
 * POST /v1/privacy/exports through the local platform: the export holds exactly the messages and
 * verifications of that number in the caller's account (found through the blind index), with texts
 * while retained, and only owners and admins may ask for it.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { queryAuditEvents } from "../../functions/audit/store.ts";
import { systemClock } from "../../functions/shared/clock.ts";
import { useLocalPlatformEnv } from "../support/env.ts";
import { estonianMobile } from "../verify/support.ts";
import { call, createPrivacyAccount, developerToken, type PrivacyAccount, send } from "./support.ts";

useLocalPlatformEnv();

let account: PrivacyAccount;
let other: PrivacyAccount;
beforeAll(async () => {
  [account, other] = await Promise.all([createPrivacyAccount(), createPrivacyAccount()]);
});

describe("data-subject export", () => {
  it("returns that number's messages and verifications in this account, nothing else", async () => {
    const subject = estonianMobile();
    const neighbour = estonianMobile();
    const first = await send(account, { to: subject, text: `first ${subject.slice(-4)}` });
    const second = await send(
      account,
      { to: subject, text: "second" },
      { "Idempotency-Key": crypto.randomUUID() },
    );
    await send(account, { to: neighbour, text: "to someone else" });
    await send(other, { to: subject, text: "same number, other account" });
    const started = await call(account.apiKey, "POST", "/v1/verifications", { to: subject, channel: "sms" });
    expect(started.status).toBe(201);

    const reply = await call(account.ownerToken, "POST", "/v1/privacy/exports", { phone: subject });

    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    const { messages, verifications, optOuts, phone } = reply.body;
    expect(phone).toBe(`+********${subject.slice(-3)}`);
    // The verification's OTP text is a message to that number too.
    const otpIds = messages.filter(
      (m: { text: string | null }) => !m.text?.startsWith("first") && !m.text?.startsWith("second"),
    );
    expect(messages.map((m: { id: string }) => m.id)).toEqual(expect.arrayContaining([first, second]));
    expect(messages).toHaveLength(3);
    expect(otpIds).toHaveLength(1);
    expect(messages.find((m: { id: string }) => m.id === first).text).toBe(`first ${subject.slice(-4)}`);
    expect(messages.find((m: { id: string }) => m.id === second).text).toBe("second");
    expect(verifications).toEqual([expect.objectContaining({ id: started.body.id, channel: "sms" })]);
    expect(JSON.stringify(verifications)).not.toMatch(/codeHash|toEncrypted|toIndex/);
    expect(optOuts).toEqual([]);

    const audit = await queryAuditEvents(
      { accountId: account.accountId, action: "privacy.export", limit: 50 },
      systemClock,
    );
    expect(audit.events.length).toBeGreaterThan(0);
    expect(JSON.stringify(audit.events)).not.toContain(subject);
  });

  it("refuses developers and API keys", async () => {
    const developer = await developerToken(account);
    for (const credential of [developer, account.apiKey]) {
      const exported = await call(credential, "POST", "/v1/privacy/exports", { phone: estonianMobile() });
      const erased = await call(credential, "POST", "/v1/privacy/erasures", { phone: estonianMobile() });
      expect([exported.status, erased.status]).toEqual([403, 403]);
    }
  });
});
