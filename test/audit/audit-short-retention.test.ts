/**
 * Retention classes: a short (7-day) event is gone from reads 7 days after it was written while
 * persistent ones stay, and verify stays meaningful: the short chain is anchored at its oldest
 * retained event. Today's clock moved forward (DynamoDB Local's TTL runs on real time).
 */
import { describe, expect, it } from "vitest";
import { queryAuditEvents } from "../../functions/audit/query.ts";
import { dynamoAuditLog } from "../../functions/audit/store.ts";
import { verifyAuditChains } from "../../functions/audit/verify.ts";
import { fileSigner } from "../../functions/identity/signing.ts";
import { useLocalPlatformEnv } from "../support/env.ts";
import { DAY_MS, eventInput, freshAccountId, movingClock } from "./chain-support.ts";

const env = useLocalPlatformEnv();
const signer = fileSigner(env.TEXTGATE_LOCAL_SIGNING_KEY ?? "");

describe("7-day retention of short-class events", () => {
  it("after 7 days the short event is gone from the listing, the persistent one stays; verify anchors the short chain", async () => {
    const clock = movingClock();
    const accountId = freshAccountId();
    const log = dynamoAuditLog(clock);
    const kept = await log.record(eventInput(accountId, "apikey.created"));
    const shortLived = await log.record(eventInput(accountId, "auth.login.failed"));
    expect([kept.class, shortLived.class]).toEqual(["persistent", "short"]);
    const list = async () =>
      (await queryAuditEvents({ accountId, limit: 50 }, clock)).events.map((event) => event.id);

    clock.advance(7 * DAY_MS - 60_000);
    expect(await list()).toEqual([shortLived.id, kept.id]);

    clock.advance(2 * 60_000);
    expect(await list()).toEqual([kept.id]);

    const verify = () => verifyAuditChains(accountId, { clock, publicKey: () => signer.publicKey() });
    expect(await verify()).toMatchObject({
      valid: true,
      checked: 1,
      chains: { persistent: { checked: 1, headSeq: 1 }, short: { checked: 0, headSeq: 1 } },
    });

    // A new short event links to the expired one; the walk starts (is anchored) there.
    const later = await log.record(eventInput(accountId, "auth.login.failed", 1));
    expect(later.seq).toBe(2);
    const report = await verify();
    expect(report.valid).toBe(true);
    expect(report.chains.short).toEqual({ checked: 1, headSeq: 2, anchoredAt: { seq: 2, at: later.at } });
  });
});
