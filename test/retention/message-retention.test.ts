/**
 * Issue 13 "done when": retention 1 day makes a body unreadable after a day and purged. Messages
 * are sent and delivered through the local platform; the purge runs as its scheduled function at a
 * clock moved forward from today.
 */
import { describe, expect, it } from "vitest";
import { getMessage } from "../../functions/messages/read.ts";
import { dynamoMessageRepository } from "../../functions/messages/store.ts";
import { dynamoAccountSettingsStore } from "../../functions/retention/account-settings.ts";
import { DEFAULT_RETENTION } from "../../functions/retention/settings.ts";
import { useLocalPlatformEnv } from "../support/env.ts";
import {
  accountWithRetention,
  clockAhead,
  DAY_MS,
  rawMessage,
  runPurgeAt,
  sendDelivered,
} from "./support.ts";

useLocalPlatformEnv();
const MINUTE_MS = 60_000;

describe("message body retention", () => {
  it("1 day: the body is still there just before a day, unreadable after it, and removed by the purge", async () => {
    const account = await accountWithRetention({
      messageBodyDays: 1,
      messageMetadataDays: 30,
      verificationDays: 1,
    });
    const id = await sendDelivered(account);
    expect((await rawMessage(id))?.textCipher).toEqual(expect.any(String));

    const before = clockAhead(DAY_MS - 10 * MINUTE_MS);
    expect((await dynamoMessageRepository(before).get(id))?.textCipher).toEqual(expect.any(String));
    const early = await runPurgeAt(before, [account.accountId]);
    expect(early.reduce((sum, r) => sum + r.bodiesRemoved + r.deleted, 0)).toBe(0);
    expect((await rawMessage(id))?.textCipher).toEqual(expect.any(String));

    const after = clockAhead(DAY_MS + 10 * MINUTE_MS);
    // Read filter: past its retention the body is never handed out, before the purge has run.
    const read = await dynamoMessageRepository(after).get(id);
    expect(read?.id).toBe(id);
    expect(read?.textCipher).toBeUndefined();

    const reports = await runPurgeAt(after, [account.accountId]);
    expect(reports.reduce((sum, r) => sum + r.bodiesRemoved, 0)).toBe(1);
    const raw = await rawMessage(id);
    expect(raw?.status).toBe("delivered");
    expect(raw).not.toHaveProperty("textCipher");
    // The metadata stays for its own 30 days.
    const view = await getMessage(
      { accountId: account.accountId, id },
      { messages: dynamoMessageRepository(after) },
    );
    expect(view).toMatchObject({ id, status: "delivered" });
  });

  it("0 days: no body in the raw item once the message is delivered, without any purge", async () => {
    const none = await accountWithRetention({
      messageBodyDays: 0,
      messageMetadataDays: 30,
      verificationDays: 1,
    });
    const kept = await accountWithRetention(DEFAULT_RETENTION);
    const [dropped, control] = await Promise.all([sendDelivered(none), sendDelivered(kept)]);
    const raw = await rawMessage(dropped);
    expect(raw).toMatchObject({ status: "delivered", forgetBodyWhenSent: true });
    expect(raw).not.toHaveProperty("textCipher");
    expect((await rawMessage(control))?.textCipher).toEqual(expect.any(String));
  });
});

describe("message metadata retention", () => {
  it("1 day: after a day GET answers 404 (read filter) and the purge deletes the item", async () => {
    const account = await accountWithRetention({
      messageBodyDays: 1,
      messageMetadataDays: 1,
      verificationDays: 1,
    });
    // A validity shorter than the retention: the item may go a day after it (send keeps it that long).
    const id = await sendDelivered(account, { validitySeconds: 300 });
    const after = clockAhead(DAY_MS + 10 * MINUTE_MS);
    await expect(
      getMessage({ accountId: account.accountId, id }, { messages: dynamoMessageRepository(after) }),
    ).rejects.toMatchObject({ slug: "not-found" });
    await runPurgeAt(after, [account.accountId]);
    expect(await rawMessage(id)).toBeUndefined();
  });

  it("shortening retention purges existing older messages written under the longer one", async () => {
    const account = await accountWithRetention(DEFAULT_RETENTION);
    const id = await sendDelivered(account, { validitySeconds: 300 });
    const stored = await rawMessage(id);
    const after = clockAhead(DAY_MS + 10 * MINUTE_MS);
    // Written for 30 days: untouched a day later while the settings stay.
    await runPurgeAt(after, [account.accountId]);
    expect((await rawMessage(id))?.textCipher).toEqual(expect.any(String));

    const shorter = { messageBodyDays: 1, messageMetadataDays: 1, verificationDays: 1 };
    expect(await dynamoAccountSettingsStore.replace(account.accountId, DEFAULT_RETENTION, shorter)).toBe(
      true,
    );
    const reports = await runPurgeAt(after, [account.accountId]);
    expect(reports.reduce((sum, r) => sum + r.deleted, 0)).toBe(1);
    expect(await rawMessage(id)).toBeUndefined();
    // Its own TTL said 30 days: only the current settings removed it.
    expect(Number(stored?.expiresAt)).toBeGreaterThan(Date.now() / 1000 + 29 * 24 * 3600);
  });
});
