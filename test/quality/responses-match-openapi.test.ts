/**
 * The OpenAPI document tells the truth: real flows through the local platform (success paths and
 * every error class), each response validated against the served /openapi.json with a JSON Schema
 * 2020-12 validator (test/support/openapi-contract.ts). A response the document does not describe
 * (an extra property, a missing one, an undocumented status or media type, a 429 without
 * Retry-After) fails the test.
 */
import { randomBytes, randomInt } from "node:crypto";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { codeSentTo, strongPassword, totpCode, uniqueEmail } from "../identity/client.ts";
import { OpenApiContract } from "../support/openapi-contract.ts";
import { ContractClient } from "./contract-client.ts";
import { usePlatform } from "./platform-under-test.ts";

const platform = usePlatform({ ownAccount: true });
let contract: OpenApiContract;
let api: ContractClient;
let ownerToken: string;

const estonianMobile = (): string => `+3725${String(randomInt(0, 10 ** 7)).padStart(7, "0")}`;
const idempotencyKey = (): string => `contract-${randomBytes(8).toString("hex")}`;

beforeAll(async () => {
  const { apiUrl, email, password } = platform();
  contract = await OpenApiContract.load(apiUrl);
  api = new ContractClient(apiUrl, contract);
  const login = await api.call("POST", "/v1/auth/login", { json: { email, password } });
  expect(login.status, login.body).toBe(200);
  ownerToken = login.json.token;
}, 120_000);

// Each test reports the violations of its own responses.
beforeEach(() => {
  api.violations.length = 0;
});

/** The invitation token: in the inviter's response, or (once invitations are emailed) in the mail outbox. */
async function invitationToken(invite: { json: { token?: string } }, email: string): Promise<string> {
  if (invite.json.token) return invite.json.token;
  const mail = await fetch(`${platform().apiUrl}/_local/mail?to=${encodeURIComponent(email)}`);
  const token = /token=([A-Za-z0-9_-]+)/.exec(await mail.text())?.[1];
  if (!token) throw new Error(`no invitation token for ${email}`);
  return token;
}

/** Invites a user, accepts the invitation and signs in: every step checked against the document. */
async function invitedUser(role: string) {
  const email = uniqueEmail(`contract-${role}`);
  const password = strongPassword();
  const invite = await api.call("POST", "/v1/account/invitations", {
    token: ownerToken,
    json: { email, role },
  });
  expect(invite.status, invite.body).toBe(201);
  const accept = await api.call("POST", "/v1/account/invitations/accept", {
    json: { token: await invitationToken(invite, email), password },
  });
  expect(accept.status, accept.body).toBe(201);
  const login = await api.call("POST", "/v1/auth/login", { json: { email, password } });
  expect(login.status, login.body).toBe(200);
  return { email, password, userId: accept.json.userId as string, token: login.json.token as string };
}

describe("responses match the OpenAPI document", () => {
  it("public documents: health, status, the document itself and the reference page", async () => {
    expect((await api.call("GET", "/health")).status).toBe(200);
    expect((await api.call("GET", "/status.json")).status).toBe(200);
    expect((await api.call("GET", "/status")).status).toBe(200);
    expect((await api.call("GET", "/openapi.json")).status).toBe(200);
    expect((await api.call("GET", "/docs")).status).toBe(200);
    expect(api.violations).toEqual([]);
  });

  it("messages: send, replay, read; 400, 401, 404, 409, 413, 415", async () => {
    const { apiKey } = platform();
    const body = { to: estonianMobile(), text: "contract test" };
    const key = idempotencyKey();
    const sent = await api.call("POST", "/v1/messages", {
      token: apiKey,
      json: body,
      headers: { "Idempotency-Key": key },
    });
    expect(sent.status, sent.body).toBe(202);
    const replay = await api.call("POST", "/v1/messages", {
      token: apiKey,
      json: body,
      headers: { "Idempotency-Key": key },
    });
    expect(replay.status).toBe(202);
    const reused = await api.call("POST", "/v1/messages", {
      token: apiKey,
      json: { ...body, text: "another text" },
      headers: { "Idempotency-Key": key },
    });
    expect(reused.status).toBe(409);
    expect((await api.call("GET", `/v1/messages/${sent.json.id}`, { token: apiKey })).status).toBe(200);
    const missing = `msg_${"0".repeat(26)}`;
    expect((await api.call("GET", `/v1/messages/${missing}`, { token: apiKey })).status).toBe(404);
    expect((await api.call("GET", "/v1/messages/not-an-id", { token: apiKey })).status).toBe(400);
    expect(
      (await api.call("POST", "/v1/messages", { token: apiKey, json: { to: "12", text: "" } })).status,
    ).toBe(400);
    expect((await api.call("POST", "/v1/messages", { token: apiKey, raw: "{not json" })).status).toBe(400);
    expect((await api.call("POST", "/v1/messages", { json: body })).status).toBe(401);
    expect((await api.call("POST", "/v1/messages", { token: "tg_test_wrong", json: body })).status).toBe(401);
    const tooLarge = { ...body, text: "x".repeat(70 * 1024) };
    expect((await api.call("POST", "/v1/messages", { token: apiKey, json: tooLarge })).status).toBe(413);
    const plainText = await api.call("POST", "/v1/messages", {
      token: apiKey,
      raw: JSON.stringify(body),
      headers: { "content-type": "text/plain" },
    });
    expect(plainText.status).toBe(415);
    expect(api.violations).toEqual([]);
  });

  it("verifications: start, read, wrong code (422), approve, not pending (409), cancel, resend limit (429)", async () => {
    const { apiKey } = platform();
    const to = estonianMobile();
    const started = await api.call("POST", "/v1/verifications", {
      token: apiKey,
      json: { to, channel: "sms" },
    });
    expect(started.status, started.body).toBe(201);
    const path = `/v1/verifications/${started.json.id}`;
    expect((await api.call("GET", path, { token: apiKey })).status).toBe(200);
    const code = await codeSentTo(to);
    const wrong = String((Number(code) + 1) % 10 ** code.length).padStart(code.length, "0");
    expect((await api.call("POST", `${path}/checks`, { token: apiKey, json: { code: wrong } })).status).toBe(
      422,
    );
    const approved = await api.call("POST", `${path}/checks`, { token: apiKey, json: { code } });
    expect(approved.json?.status, approved.body).toBe("approved");
    expect((await api.call("POST", `${path}/checks`, { token: apiKey, json: { code } })).status).toBe(409);

    const other = await api.call("POST", "/v1/verifications", {
      token: apiKey,
      json: { to: estonianMobile(), channel: "sms" },
    });
    expect(
      (await api.call("POST", `/v1/verifications/${other.json.id}/cancel`, { token: apiKey })).status,
    ).toBe(200);

    const busy = estonianMobile();
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 6; attempt++) {
      statuses.push(
        (await api.call("POST", "/v1/verifications", { token: apiKey, json: { to: busy, channel: "sms" } }))
          .status,
      );
    }
    expect(statuses.at(-1)).toBe(429);
    expect(api.violations).toEqual([]);
  });

  it("sign-in: MFA challenge, second factor, refresh, logout; 401 after logout", async () => {
    const user = await invitedUser("developer");
    const enrol = await api.call("POST", "/v1/account/mfa/totp", { token: user.token });
    expect(enrol.status, enrol.body).toBe(201);
    const confirm = await api.call("POST", "/v1/account/mfa/totp/confirm", {
      token: user.token,
      json: { code: totpCode(enrol.json.secret) },
    });
    expect(confirm.status, confirm.body).toBe(200);
    const challenge = await api.call("POST", "/v1/auth/login", {
      json: { email: user.email, password: user.password },
    });
    expect(challenge.json?.mfaRequired, challenge.body).toBe(true);
    const recoveryCode = (confirm.json.recoveryCodes as string[])[0];
    const signedIn = await api.call("POST", "/v1/auth/mfa", {
      json: { challengeId: challenge.json.challengeId, code: recoveryCode, method: "recovery" },
    });
    expect(signedIn.status, signedIn.body).toBe(200);
    const wrongFactor = await api.call("POST", "/v1/auth/mfa", {
      json: { challengeId: challenge.json.challengeId, code: "000000", method: "totp" },
    });
    expect(wrongFactor.status).toBe(401);
    const refreshed = await api.call("POST", "/v1/auth/refresh", {
      json: { refreshToken: signedIn.json.refreshToken },
    });
    expect(refreshed.status, refreshed.body).toBe(200);
    expect((await api.call("POST", "/v1/auth/logout", { token: refreshed.json.token })).status).toBe(204);
    expect(
      (await api.call("POST", "/v1/auth/refresh", { json: { refreshToken: refreshed.json.refreshToken } }))
        .status,
    ).toBe(401);
    expect((await api.call("POST", "/v1/auth/login", { json: { email: "x" } })).status).toBe(400);
    expect(api.violations).toEqual([]);
  });

  it("SMS second factor: enrolment and a login code by SMS", async () => {
    const user = await invitedUser("viewer");
    const phone = estonianMobile();
    const start = await api.call("POST", "/v1/account/mfa/sms", { token: user.token, json: { phone } });
    expect(start.status, start.body).toBe(202);
    const confirm = await api.call("POST", "/v1/account/mfa/sms/confirm", {
      token: user.token,
      json: { code: await codeSentTo(phone) },
    });
    expect(confirm.status, confirm.body).toBe(200);
    const challenge = await api.call("POST", "/v1/auth/login", {
      json: { email: user.email, password: user.password },
    });
    const sms = await api.call("POST", "/v1/auth/mfa/sms", {
      json: { challengeId: challenge.json.challengeId },
    });
    expect(sms.status, sms.body).toBe(202);
    expect(api.violations).toEqual([]);
  });

  it("account: me, users, role change, API keys create/list/rotate/revoke, recovery codes, password", async () => {
    expect((await api.call("GET", "/v1/account/me", { token: ownerToken })).status).toBe(200);
    expect((await api.call("GET", "/v1/account/users", { token: ownerToken })).status).toBe(200);
    const user = await invitedUser("developer");
    const patched = await api.call("PATCH", `/v1/account/users/${user.userId}`, {
      token: ownerToken,
      json: { role: "viewer" },
    });
    expect(patched.status, patched.body).toBe(200);
    // A viewer may not manage users: 403 from the authorizer.
    const viewer = await api.call("POST", "/v1/auth/login", {
      json: { email: user.email, password: user.password },
    });
    expect((await api.call("GET", "/v1/account/users", { token: viewer.json.token })).status).toBe(403);

    const created = await api.call("POST", "/v1/account/api-keys", {
      token: ownerToken,
      json: { name: "contract", scopes: ["read"], mode: "test" },
    });
    expect(created.status, created.body).toBe(201);
    expect(created.json.key).toMatch(/^tg_test_/);
    expect((await api.call("GET", "/v1/account/api-keys", { token: ownerToken })).status).toBe(200);
    const rotated = await api.call("POST", `/v1/account/api-keys/${created.json.keyId}/rotate`, {
      token: ownerToken,
    });
    expect(rotated.status, rotated.body).toBe(201);
    // The read-only key may not send.
    const refused = await api.call("POST", "/v1/messages", {
      token: rotated.json.key,
      json: { to: estonianMobile(), text: "not allowed" },
    });
    expect(refused.status).toBe(403);
    expect(
      (await api.call("DELETE", `/v1/account/api-keys/${rotated.json.keyId}`, { token: ownerToken })).status,
    ).toBe(204);
    expect(
      (await api.call("DELETE", `/v1/account/api-keys/${rotated.json.keyId}`, { token: ownerToken })).status,
    ).toBe(404);

    const enrol = await api.call("POST", "/v1/account/mfa/totp", { token: user.token });
    await api.call("POST", "/v1/account/mfa/totp/confirm", {
      token: user.token,
      json: { code: totpCode(enrol.json.secret) },
    });
    await api.call("POST", "/v1/account/mfa/recovery-codes", { token: user.token });
    const changed = await api.call("POST", "/v1/account/password", {
      token: user.token,
      json: { currentPassword: user.password, newPassword: strongPassword() },
    });
    expect(changed.status, changed.body).toBe(200);
    expect(api.violations).toEqual([]);
  });

  it("audit: a page, the next page by cursor, a bad cursor (400)", async () => {
    const first = await api.call("GET", "/v1/audit/events?limit=1", { token: ownerToken });
    expect(first.status, first.body).toBe(200);
    expect(first.json.nextCursor).toBeDefined();
    const next = await api.call("GET", `/v1/audit/events?limit=1&cursor=${first.json.nextCursor}`, {
      token: ownerToken,
    });
    expect(next.status).toBe(200);
    expect((await api.call("GET", "/v1/audit/events?cursor=bogus", { token: ownerToken })).status).toBe(400);
    expect((await api.call("GET", "/v1/audit/events", { token: platform().apiKey })).status).toBe(403);
    expect(api.violations).toEqual([]);
  });

  it("privacy: export (200), erasure (202) and its receipt, unknown export (404), bad number (400)", async () => {
    const phone = estonianMobile();
    const exported = await api.call("POST", "/v1/privacy/exports", { token: ownerToken, json: { phone } });
    expect(exported.status, exported.body).toBe(200);
    const erasure = await api.call("POST", "/v1/privacy/erasures", { token: ownerToken, json: { phone } });
    expect(erasure.status, erasure.body).toBe(202);
    const receipt = await api.call("GET", `/v1/privacy/erasures/${erasure.json.id}`, { token: ownerToken });
    expect(receipt.status, receipt.body).toBe(200);
    const unknown = await api.call("GET", "/v1/privacy/exports/dsx_01JAAAAAAAAAAAAAAAAAAAAAAA", {
      token: ownerToken,
    });
    expect(unknown.status).toBe(404);
    const bad = await api.call("POST", "/v1/privacy/erasures", { token: ownerToken, json: { phone: "12" } });
    expect(bad.status).toBe(400);
    expect(api.violations).toEqual([]);
  });

  it("sign-in back-off: repeated wrong passwords get a documented 429 with Retry-After", async () => {
    // Its own source address: the per-IP back-off this provokes must not meet the other tests.
    const guesser = new ContractClient(platform().apiUrl, contract);
    const email = uniqueEmail("contract-guess");
    let last = await guesser.call("POST", "/v1/auth/login", { json: { email, password: "wrong password" } });
    for (let attempt = 0; attempt < 15 && last.status !== 429; attempt++) {
      last = await guesser.call("POST", "/v1/auth/login", { json: { email, password: "wrong password" } });
    }
    expect(last.status).toBe(429);
    expect(guesser.violations).toEqual([]);
  });

  it("the carrier DLR callback is still served, but not documented for customers", async () => {
    const dlr = await fetch(`${platform().apiUrl}/v1/carriers/sim/dlr`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(dlr.status).not.toBe(404);
    expect(contract.operationFor("POST", "/v1/carriers/sim/dlr")).toBeUndefined();
  });
});
