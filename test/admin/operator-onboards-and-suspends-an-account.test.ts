/**
 * Issue 11 "done when", through the `textgate` CLI against the local platform: an operator creates
 * an account, its owner accepts the invitation, signs in and sends; suspension stops the account's
 * user tokens at once and its API keys within the authorizer's 30 s result cache; reactivation
 * restores both. Every step is in the account's audit trail with actor type "operator".
 */
import { describe, expect, it } from "vitest";
import { type ApiClient, apiClient, login, signIn, strongPassword, uniqueEmail } from "../identity/client.ts";
import { randomMobile } from "../messages/support.ts";
import { invitationTokenFor } from "../support/mail.ts";
import { textgate, textgateJson } from "./support.ts";

/** The authorizer caches results for 30 s (lib/catalog/api.ts); a little more for slow machines. */
const AUTHORIZER_WINDOW_MS = 30_000 + 10_000;

const api: ApiClient = apiClient();
const send = (token: string) =>
  api.call("POST", "/v1/messages", { token, body: { to: randomMobile(), text: "operator test" } });

/** Sends until the status is the wanted one, within the window the API promises. */
async function sendUntil(token: string, wanted: (status: number) => boolean): Promise<number> {
  const deadline = Date.now() + AUTHORIZER_WINDOW_MS;
  let status = (await send(token)).status;
  while (!wanted(status) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    status = (await send(token)).status;
  }
  return status;
}

describe("operator onboarding and suspension through the CLI", () => {
  it("creates an account whose owner signs in and sends; suspend stops it, reactivate restores it", async () => {
    const ownerEmail = uniqueEmail("owner");
    const created = await textgateJson<{ accountId: string; ownerInvitationToken: string }>(
      "accounts",
      "create",
      "--name",
      "Operator Onboarding OÜ",
      "--countries",
      "EE,LV",
      "--owner-email",
      ownerEmail,
    );
    expect(created.accountId).toMatch(/^acc_/);
    expect(created.ownerInvitationToken).toMatch(/^tgi_/);
    // The same token also went to the owner's mailbox.
    expect(await invitationTokenFor(ownerEmail)).toBe(created.ownerInvitationToken);

    const password = strongPassword();
    const accepted = await api.call("POST", "/v1/account/invitations/accept", {
      body: { token: created.ownerInvitationToken, password },
    });
    expect(accepted.status).toBe(201);
    expect(accepted.body).toMatchObject({ accountId: created.accountId, role: "owner" });
    const { token } = await signIn(api, ownerEmail, password);
    expect((await send(token)).status).toBe(202);
    const key = await api.call("POST", "/v1/account/api-keys", {
      token,
      body: { name: "operator-test", scopes: ["send"], mode: "test" },
    });
    expect(key.status).toBe(201);
    const apiKey = key.body.key as string;
    expect((await send(apiKey)).status).toBe(202);

    const listed = await textgateJson<{ accounts: { accountId: string; status: string }[] }>(
      "accounts",
      "list",
      "--all",
    );
    expect(listed.accounts).toContainEqual(
      expect.objectContaining({ accountId: created.accountId, status: "active" }),
    );

    const suspended = await textgateJson<{ status: string }>(
      "accounts",
      "suspend",
      created.accountId,
      "--reason",
      "unpaid invoices",
    );
    expect(suspended.status).toBe("suspended");
    // User tokens are re-checked live on send: refused at once.
    expect((await send(token)).status).toBe(401);
    // Signing in again during the suspension is refused too (after the password: no enumeration).
    expect((await login(api, ownerEmail, password)).status).toBe(403);
    // API keys: the authorizer's cached "allow" may serve up to 30 s, then the key is refused.
    expect(await sendUntil(apiKey, (status) => status === 401)).toBe(401);
    expect((await textgateJson<{ status: string }>("accounts", "show", created.accountId)).status).toBe(
      "suspended",
    );

    const reactivated = await textgateJson<{ status: string }>("accounts", "reactivate", created.accountId);
    expect(reactivated.status).toBe("active");
    expect(await sendUntil(apiKey, (status) => status === 202)).toBe(202);
    const again = await signIn(api, ownerEmail, password);
    expect((await send(again.token)).status).toBe(202);

    const events = await api.call("GET", "/v1/audit/events", { token: again.token });
    expect(events.status).toBe(200);
    const actions = (events.body.events as { action: string; actor: { type: string; id: string } }[])
      .filter((event) => event.actor.type === "operator")
      .map((event) => event.action);
    expect(actions).toEqual(
      expect.arrayContaining(["account.created", "account.suspended", "account.reactivated"]),
    );
  }, 120_000);

  it("prints one clear line and a script-safe exit code when something is wrong", async () => {
    const missing = await textgate("accounts", "show", "acc_01JZZZZZZZZZZZZZZZZZZZZZZZ");
    expect(missing.code).toBe(4);
    expect(missing.stderr.trim().split("\n")).toHaveLength(1);
    expect(missing.stderr).toMatch(/^textgate: 404/);

    const usage = await textgate("accounts", "create", "--name", "x");
    expect(usage.code).toBe(2);

    const invalid = await textgate(
      "accounts",
      "create",
      "--name",
      "x",
      "--countries",
      "EST",
      "--owner-email",
      "a@example.test",
    );
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toMatch(/allowedCountries/);
  }, 60_000);

  it("lets an operator invitation be accepted only while the account is active", async () => {
    const ownerEmail = uniqueEmail("owner-closed");
    const created = await textgateJson<{ accountId: string; ownerInvitationToken: string }>(
      "accounts",
      "create",
      "--name",
      "Closed Before Acceptance",
      "--countries",
      "EE",
      "--owner-email",
      ownerEmail,
    );
    const closed = await textgateJson<{ status: string; deleteDataAfter: string }>(
      "accounts",
      "close",
      created.accountId,
    );
    expect(closed.status).toBe("closed");
    expect(Date.parse(closed.deleteDataAfter)).toBeGreaterThan(Date.now());
    const accepted = await api.call("POST", "/v1/account/invitations/accept", {
      body: { token: created.ownerInvitationToken, password: strongPassword() },
    });
    expect(accepted.status).toBe(401);
    const reopen = await textgate("accounts", "reactivate", created.accountId);
    expect(reopen.code).toBe(5);
  }, 60_000);
});
