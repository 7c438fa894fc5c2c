/**
 * An export above the inline limit is stored sealed and answered with a link (202); the link serves
 * the document to the same account only. The limit is 10,000 items in production: this test injects
 * a limit of 2 into the use case (the stored document is then read back through the real route).
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { UserPrincipal } from "../../functions/identity/live-principal.ts";
import { exportDataSubject } from "../../functions/privacy/export.ts";
import { privacyDeps } from "../../functions/privacy/wiring.ts";
import { tableName } from "../../functions/shared/config.ts";
import { useLocalPlatformEnv } from "../support/env.ts";
import { scanAll } from "../support/platform.ts";
import { estonianMobile } from "../verify/support.ts";
import { call, createPrivacyAccount, type PrivacyAccount, send } from "./support.ts";

useLocalPlatformEnv();

let account: PrivacyAccount;
let other: PrivacyAccount;
beforeAll(async () => {
  [account, other] = await Promise.all([createPrivacyAccount(), createPrivacyAccount()]);
});

const ownerOf = (accountId: string): UserPrincipal => ({
  accountId,
  principalId: "usr_test",
  type: "user",
  role: "owner",
  scopes: [],
  sessionId: "ses_test",
});

describe("large data-subject export", () => {
  it("is stored sealed and served from its link to the same account only", async () => {
    const subject = estonianMobile();
    const texts = [
      `one ${crypto.randomUUID()}`,
      `two ${crypto.randomUUID()}`,
      `three ${crypto.randomUUID()}`,
    ];
    const ids = [];
    for (const text of texts) ids.push(await send(account, { to: subject, text }));

    const outcome = await exportDataSubject(
      subject,
      ownerOf(account.accountId),
      { requestId: "req_test", sourceIp: "127.0.0.1" },
      { ...privacyDeps(), inlineExportLimit: 2 },
    );

    expect(outcome).toMatchObject({ inline: false, items: 3 });
    if (outcome.inline) throw new Error("expected a linked export");
    const stored = (await scanAll({ TableName: tableName("privacy") })).filter((item) =>
      String(item.pk).endsWith(outcome.id),
    );
    expect(stored.length).toBeGreaterThanOrEqual(2);
    for (const text of texts) expect(JSON.stringify(stored)).not.toContain(text);

    const fetched = await call(account.ownerToken, "GET", `/v1/privacy/exports/${outcome.id}`);
    expect(fetched.status, JSON.stringify(fetched.body)).toBe(200);
    expect(fetched.body.messages.map((m: { id: string }) => m.id).sort()).toEqual([...ids].sort());
    expect(fetched.body.messages.map((m: { text: string }) => m.text).sort()).toEqual([...texts].sort());
    const foreign = await call(other.ownerToken, "GET", `/v1/privacy/exports/${outcome.id}`);
    expect(foreign.status).toBe(404);
  });
});
