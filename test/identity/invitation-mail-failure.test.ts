import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { dynamoAuditLog } from "../../functions/audit/store.ts";
import { dynamoFailureTracker } from "../../functions/identity/brute-force.ts";
import { inviteUser } from "../../functions/identity/invitations-service.ts";
import { listInvitations } from "../../functions/identity/invitations-store.ts";
import type { UserPrincipal } from "../../functions/identity/live-principal.ts";
import { systemClock } from "../../functions/shared/clock.ts";
import { localMailOutbox, type Mailer, mailerFromEnv } from "../../functions/shared/mail.ts";
import { DomainError } from "../../functions/shared/problem.ts";
import { dynamoRateLimiter } from "../../functions/shared/rate-limit.ts";
import { hasher } from "../../functions/shared/secrets.ts";
import { readMailOutbox } from "../../local/mail-outbox.ts";
import { useLocalPlatformEnv } from "../support/env.ts";
import { testAccountId } from "../verify/support.ts";
import { uniqueEmail } from "./client.ts";

useLocalPlatformEnv();

const deps = (mail: Mailer) => ({
  clock: systemClock,
  audit: dynamoAuditLog(systemClock),
  hasher: hasher(),
  limiter: dynamoRateLimiter(systemClock),
  failures: dynamoFailureTracker(systemClock),
  mail,
});

const owner = (accountId: string): UserPrincipal => ({
  accountId,
  principalId: "usr_owner",
  type: "user",
  role: "owner",
  scopes: [],
  sessionId: "ses_test",
});

describe("invitation email failures", () => {
  it("an invitation whose email could not be sent is not left claimable (503, nothing pending)", async () => {
    const accountId = testAccountId();
    const attempted: string[] = [];
    const failing: Mailer = {
      send: async (mail) => {
        attempted.push(mail.to);
        throw new Error("SES throttled");
      },
    };
    const error = await inviteUser(
      { email: uniqueEmail("unsent"), role: "viewer" },
      owner(accountId),
      { sourceIp: "127.0.0.1", requestId: "req" },
      deps(failing),
    ).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).slug).toBe("service-unavailable");
    expect(attempted).toHaveLength(1);
    expect(await listInvitations(accountId, new Date())).toEqual([]);
  });

  it("a deployment without a sender answers 503 instead of failing obscurely", async () => {
    const mailer = mailerFromEnv({});
    await expect(mailer.send({ to: "a@example.test", subject: "s", text: "t" })).rejects.toMatchObject({
      slug: "service-unavailable",
    });
  });

  it("the local outbox returns a recipient's mail newest first, matching the address case-insensitively", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "textgate-mail-")), "mail.jsonl");
    const outbox = localMailOutbox(path);
    await outbox.send({ to: "Ann@Example.test", subject: "first", text: "1" });
    await outbox.send({ to: "bob@example.test", subject: "other", text: "2" });
    await outbox.send({ to: "ann@example.test", subject: "second", text: "3" });
    const mails = await readMailOutbox(path, "ann@example.test");
    expect(mails.map((mail) => mail.subject)).toEqual(["second", "first"]);
    expect(await readMailOutbox(join(path, "..", "missing.jsonl"), undefined)).toEqual([]);
  });
});
