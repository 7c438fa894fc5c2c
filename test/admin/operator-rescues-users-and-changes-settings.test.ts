/**
 * Operator user rescue and settings through the CLI: a second-factor reset needs a reason, ends the
 * user's sessions at once and is audited with it; an unlock is audited with the operator's ARN;
 * settings changes show on the account.
 */
import { describe, expect, inject, it } from "vitest";
import { apiClient, signIn, strongPassword, uniqueEmail } from "../identity/client.ts";
import { textgate, textgateJson } from "./support.ts";

const api = apiClient();

async function onboardOwner() {
  const email = uniqueEmail("rescue");
  const created = await textgateJson<{ accountId: string; ownerInvitationToken: string }>(
    "accounts",
    "create",
    "--name",
    "Rescue Test AS",
    "--countries",
    "EE",
    "--owner-email",
    email,
  );
  const password = strongPassword();
  const accepted = await api.call("POST", "/v1/account/invitations/accept", {
    body: { token: created.ownerInvitationToken, password },
  });
  expect(accepted.status).toBe(201);
  return { accountId: created.accountId, userId: accepted.body.userId as string, email, password };
}

type AuditEvent = { action: string; actor: { type: string; id: string }; details?: Record<string, unknown> };

describe("operator user rescue and settings", () => {
  it("resets second factors only with a reason, ends the user's sessions and audits why", async () => {
    const owner = await onboardOwner();
    const { token } = await signIn(api, owner.email, owner.password);
    expect((await api.call("GET", "/v1/account/me", { token })).status).toBe(200);

    const noReason = await textgate("users", "reset-mfa", owner.accountId, owner.userId);
    expect(noReason.code).toBe(2);

    const reset = await textgateJson<{ userId: string; mfa: { totp: boolean; sms: boolean } }>(
      "users",
      "reset-mfa",
      owner.accountId,
      owner.userId,
      "--reason",
      "lost phone, identity checked by support ticket 42",
    );
    expect(reset).toMatchObject({ userId: owner.userId, mfa: { totp: false, sms: false } });
    expect((await api.call("GET", "/v1/account/me", { token })).status).toBe(401);

    const unlocked = await textgateJson<{ status: string }>("users", "unlock", owner.accountId, owner.userId);
    expect(unlocked.status).toBe("active");

    const fresh = await signIn(api, owner.email, owner.password);
    const events = await api.call("GET", "/v1/audit/events", { token: fresh.token });
    expect(events.status).toBe(200);
    const byOperator = (events.body.events as AuditEvent[]).filter(
      (event) => event.actor.type === "operator",
    );
    const operatorArn = inject("operator").arn;
    expect(byOperator.every((event) => event.actor.id === operatorArn)).toBe(true);
    expect(byOperator.find((event) => event.action === "mfa.reset")?.details).toMatchObject({
      reason: "lost phone, identity checked by support ticket 42",
    });
    expect(byOperator.map((event) => event.action)).toContain("user.unlocked");
  }, 90_000);

  it("changes an account's countries and retention", async () => {
    const owner = await onboardOwner();
    const updated = await textgateJson<{ allowedCountries: string[]; retentionDays: number }>(
      "accounts",
      "update",
      owner.accountId,
      "--countries",
      "EE,LV,LT",
      "--retention-days",
      "90",
    );
    expect(updated).toMatchObject({ allowedCountries: ["EE", "LV", "LT"], retentionDays: 90 });
    const shown = await textgateJson<{ allowedCountries: string[]; retentionDays: number }>(
      "accounts",
      "show",
      owner.accountId,
    );
    expect(shown).toMatchObject({ allowedCountries: ["EE", "LV", "LT"], retentionDays: 90 });
  }, 60_000);
});

describe("operator carrier listing", () => {
  it("lists the platform's carrier routes without their secrets", async () => {
    const listed = await textgateJson<{ carriers: Record<string, unknown>[] }>("carriers", "list");
    expect(listed.carriers.length).toBeGreaterThan(0);
    for (const carrier of listed.carriers) {
      expect(carrier).toMatchObject({ carrierId: expect.any(String), enabled: expect.any(Boolean) });
      expect(Object.keys(carrier).some((key) => /token|secret|cipher/i.test(key))).toBe(false);
    }
  }, 60_000);
});
