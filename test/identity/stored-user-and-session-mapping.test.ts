import { describe, expect, it } from "vitest";
import {
  type RefreshRecord,
  refreshOf,
  type SessionRecord,
  sessionOf,
} from "../../functions/identity/sessions-store.ts";
import { type UserRecord, userRecordOf } from "../../functions/identity/users-store.ts";
import { expectMalformedItem } from "../support/stored-items.ts";

/**
 * User, session and refresh-token items read back as records by a parse (pure:
 * TEXTGATE_TEST_PLATFORM=0): keys and bookkeeping attributes stay behind, a user without second
 * factors reads without them, and a malformed item fails with table and field, never the value.
 */
const now = new Date();
const expiresAt = Math.floor(now.getTime() / 1000) + 3600;

const fullUser: UserRecord = {
  userId: "usr_01JUSER",
  accountId: "acc_01JUSER",
  email: "owner@example.com",
  role: "owner",
  status: "active",
  passwordHash: "scrypt$hash",
  createdAt: now.toISOString(),
  totpEnabled: true,
  totpSecret: "sealed-totp",
  totpPendingSecret: "sealed-pending-totp",
  totpLastStep: 12345,
  smsEnabled: true,
  smsPhone: "sealed-phone",
  smsPhoneMasked: "+372*****345",
  smsPendingPhone: "sealed-pending-phone",
  smsPendingVerificationId: "ver_01JPENDING",
  recoveryCodes: new Set(["hash-1", "hash-2"]),
};
const userItem = (): Record<string, unknown> => ({
  pk: `ACC#${fullUser.accountId}`,
  sk: `USER#${fullUser.userId}`,
  ...fullUser,
});

const session: SessionRecord = {
  sessionId: "ses_01JSESSION",
  accountId: "acc_01JUSER",
  userId: "usr_01JUSER",
  status: "revoked",
  createdAt: now.toISOString(),
  expiresAt,
  revokedReason: "logout",
  reauthAt: now.toISOString(),
};
const refresh: RefreshRecord = {
  accountId: "acc_01JUSER",
  userId: "usr_01JUSER",
  sessionId: "ses_01JSESSION",
  status: "used",
  expiresAt,
};

describe("stored user mapping", () => {
  it("maps every user field, the recovery codes as a set, and leaves the keys behind", () => {
    expect(userRecordOf(userItem())).toStrictEqual(fullUser);
  });

  it("reads a user as first stored: no second factor, no recovery codes", () => {
    const { pk, sk, userId, accountId, email, role, status, passwordHash, createdAt } = userItem();
    const user = userRecordOf({ pk, sk, userId, accountId, email, role, status, passwordHash, createdAt });
    expect(user.totpEnabled).toBeUndefined();
    expect(user).not.toHaveProperty("recoveryCodes");
    expect(user.passwordHash).toBe(fullUser.passwordHash);
  });

  it.each([
    ["a role outside the known ones", { role: "+37255512345" }, "role"],
    ["recovery codes of another type", { recoveryCodes: ["+37255512345"] }, "recoveryCodes"],
    ["a TOTP step of another type", { totpLastStep: "+37255512345" }, "totpLastStep"],
    ["a password hash missing", { passwordHash: undefined }, "passwordHash"],
  ])("refuses %s, naming the table and field but not the value", (_case, change, field) => {
    const item = { ...userItem(), ...change };
    expectMalformedItem(() => userRecordOf(item), { table: "accounts", field }, "37255512345");
  });
});

describe("stored session and refresh-token mapping", () => {
  it("maps the records and leaves keys and bookkeeping behind", () => {
    expect(sessionOf({ pk: "ACC#a", sk: "SESSION#s", ...session })).toStrictEqual(session);
    expect(refreshOf({ pk: "REFRESH#h", sk: "TOKEN", ...refresh, usedAt: now.toISOString() })).toStrictEqual(
      refresh,
    );
  });

  it("reads a session from before step-up re-authentication", () => {
    const { reauthAt: _before, revokedReason: _none, ...old } = session;
    expect(sessionOf({ ...old, status: "active" })).not.toHaveProperty("reauthAt");
  });

  it("refuses a malformed session or token, naming the field but not the value", () => {
    expectMalformedItem(
      () => sessionOf({ ...session, expiresAt: "+37255512345" }),
      { table: "accounts", field: "expiresAt" },
      "37255512345",
    );
    expectMalformedItem(
      () => refreshOf({ ...refresh, status: "+37255512345" }),
      { table: "accounts", field: "status" },
      "37255512345",
    );
  });
});
