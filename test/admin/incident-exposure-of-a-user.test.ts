/**
 * The exposure query for a compromised user: what they sent with their token (stored as the
 * message's creating principal) and the credentials they handed out (API keys, from the audit log),
 * in their account only.
 */
import { describe, expect, it } from "vitest";
import { apiClient, createUser, signIn } from "../identity/client.ts";
import { randomMobile } from "../messages/support.ts";
import { demoAccount, useLocalPlatformEnv } from "../support/env.ts";
import { textgateJson } from "./support.ts";

useLocalPlatformEnv();

interface ExposureReport {
  principal?: { type: string; id: string; accountId: string; canRead: string[] };
  accounts: {
    accountId: string;
    principals: string[];
    classes: Record<string, number>;
    records: Record<string, number>;
  }[];
}

const client = apiClient();

/** An admin of the demo account who creates an API key and sends one text with their token. */
async function compromisedAdmin(): Promise<{ userId: string; from: string; to: string }> {
  const from = new Date(Date.now() - 1000).toISOString();
  const demo = demoAccount();
  const owner = await signIn(client, demo.email, demo.password);
  const admin = await createUser(client, owner.token, "admin");

  const key = await client.call("POST", "/v1/account/api-keys", {
    token: admin.token,
    body: { name: "made by a compromised admin", scopes: ["send"], mode: "test" },
  });
  expect(key.status).toBe(201);
  const sent = await client.call("POST", "/v1/messages", {
    token: admin.token,
    body: { to: randomMobile(), text: "sent with a user token" },
  });
  expect(sent.status).toBe(202);
  return { userId: admin.userId, from, to: new Date(Date.now() + 60_000).toISOString() };
}

describe("textgate incidents exposure --user", () => {
  it("counts what the user sent and the credentials they created, in their account only", async () => {
    const { userId, from, to } = await compromisedAdmin();
    const report = await textgateJson<ExposureReport>(
      "incidents",
      "exposure",
      "--user",
      userId,
      "--from",
      from,
      "--to",
      to,
    );
    const { accountId } = demoAccount();
    expect(report.principal).toMatchObject({ type: "user", id: userId, accountId });
    expect(report.principal?.canRead).toEqual(["messages", "verifications"]);
    expect(report.accounts.map((account) => account.accountId)).toEqual([accountId]);
    const [exposed] = report.accounts;
    // One text sent with the token; one API key created. Other demo traffic is only readable metadata.
    expect(exposed?.classes).toMatchObject({ numbers: 1, bodies: 1, codes: 0, credentials: 1 });
    expect(exposed?.principals).toContain(`user:${userId}`);
    expect(exposed?.records.auditEvents).toBeGreaterThanOrEqual(2);
  }, 60_000);
});
