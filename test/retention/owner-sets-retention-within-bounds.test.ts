/**
 * GET/PATCH /v1/account/settings: the owner picks retention within the bounds the operator set with
 * the CLI; out of bounds is a 422 naming the field; other roles are refused; every change is audited
 * with old and new values.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { textgate, textgateJson } from "../admin/support.ts";
import {
  type ApiClient,
  apiClient,
  createUser,
  signIn,
  strongPassword,
  uniqueEmail,
} from "../identity/client.ts";

const api: ApiClient = apiClient();
let accountId: string;
let ownerToken: string;

beforeAll(async () => {
  const ownerEmail = uniqueEmail("retention-owner");
  const created = await textgateJson<{ accountId: string; ownerInvitationToken: string }>(
    "accounts",
    "create",
    "--name",
    "Retention OÜ",
    "--countries",
    "EE",
    "--owner-email",
    ownerEmail,
    "--metadata-days",
    "30",
    "--body-days",
    "7",
    "--verification-days",
    "2",
    "--retention-bounds",
    "messageBodyDays=0..14,messageMetadataDays=1..60,verificationDays=1..7",
  );
  accountId = created.accountId;
  const password = strongPassword();
  const accepted = await api.call("POST", "/v1/account/invitations/accept", {
    body: { token: created.ownerInvitationToken, password },
  });
  expect(accepted.status).toBe(201);
  ownerToken = (await signIn(api, ownerEmail, password)).token;
});

const patch = (token: string, retention: Record<string, number>) =>
  api.call("PATCH", "/v1/account/settings", { token, body: { retention } });

describe("account retention settings", () => {
  it("the owner reads the values and bounds the operator set", async () => {
    const reply = await api.call("GET", "/v1/account/settings", { token: ownerToken });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      retention: { messageBodyDays: 7, messageMetadataDays: 30, verificationDays: 2 },
      retentionBounds: {
        messageBodyDays: { min: 0, max: 14 },
        messageMetadataDays: { min: 1, max: 60 },
        verificationDays: { min: 1, max: 7 },
      },
    });
  });

  it("out of bounds is a 422 problem naming the field, and nothing changes", async () => {
    const above = await patch(ownerToken, { messageMetadataDays: 61 });
    expect(above.status).toBe(422);
    expect(above.headers["content-type"]).toContain("application/problem+json");
    expect(above.body.errors).toEqual([
      { field: "retention.messageMetadataDays", message: expect.stringContaining("between 1 and 60") },
    ]);
    const longerBody = await patch(ownerToken, { messageBodyDays: 14, messageMetadataDays: 10 });
    expect(longerBody.status).toBe(422);
    expect(longerBody.body.errors).toEqual([
      { field: "retention.messageBodyDays", message: expect.stringContaining("messageMetadataDays") },
    ]);
    const malformed = await patch(ownerToken, { verificationDays: -1 });
    expect(malformed.status).toBe(400);
    const unchanged = await api.call("GET", "/v1/account/settings", { token: ownerToken });
    expect(unchanged.body.retention).toEqual({
      messageBodyDays: 7,
      messageMetadataDays: 30,
      verificationDays: 2,
    });
  });

  it("admins, developers and API keys may not read or change it", async () => {
    for (const role of ["admin", "developer"]) {
      const user = await createUser(api, ownerToken, role);
      expect((await api.call("GET", "/v1/account/settings", { token: user.token })).status, role).toBe(403);
      expect((await patch(user.token, { messageBodyDays: 0 })).status, role).toBe(403);
    }
    const key = await api.call("POST", "/v1/account/api-keys", {
      token: ownerToken,
      body: { name: "settings", scopes: ["send", "read"], mode: "test" },
    });
    expect((await patch(key.body.key, { messageBodyDays: 0 })).status).toBe(403);
  });

  it("the owner's change is saved and audited with old and new values", async () => {
    const changed = await patch(ownerToken, { messageBodyDays: 0, verificationDays: 1 });
    expect(changed.status).toBe(200);
    expect(changed.body.retention).toEqual({
      messageBodyDays: 0,
      messageMetadataDays: 30,
      verificationDays: 1,
    });
    const events = await api.call("GET", "/v1/audit/events?action=settings.retention.changed", {
      token: ownerToken,
    });
    expect(events.status).toBe(200);
    expect(events.body.events[0]).toMatchObject({
      action: "settings.retention.changed",
      actor: { type: "user" },
      details: {
        "old.messageBodyDays": 7,
        "new.messageBodyDays": 0,
        "old.verificationDays": 2,
        "new.verificationDays": 1,
        "old.messageMetadataDays": 30,
        "new.messageMetadataDays": 30,
      },
    });
    const shown = await textgateJson<{ retention: unknown; retentionDays: number }>(
      "accounts",
      "show",
      accountId,
    );
    expect(shown).toMatchObject({ retention: changed.body.retention, retentionDays: 30 });
  });

  it("the operator narrowing the bounds moves the settings inside them (audited); bad bounds are a 422", async () => {
    const bad = await textgate(
      "accounts",
      "update",
      accountId,
      "--retention-bounds",
      "messageMetadataDays=20..10",
    );
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("retentionBounds.messageMetadataDays");

    const narrowed = await textgateJson<{ retention: Record<string, number> }>(
      "accounts",
      "update",
      accountId,
      "--retention-bounds",
      "messageMetadataDays=1..14",
    );
    expect(narrowed.retention).toEqual({ messageBodyDays: 0, messageMetadataDays: 14, verificationDays: 1 });
    const events = await api.call("GET", "/v1/audit/events?action=settings.retention.changed", {
      token: ownerToken,
    });
    expect(events.body.events[0]).toMatchObject({
      actor: { type: "operator" },
      details: { "old.messageMetadataDays": 30, "new.messageMetadataDays": 14 },
    });
    expect((await patch(ownerToken, { messageMetadataDays: 15 })).status).toBe(422);
  });
});
