/**
 * Concurrent writers of one account keep one unbroken chain: every append is a TransactWrite that
 * moves the chain head conditionally, and a writer that lost the race retries from the winner's head.
 */
import { describe, expect, it } from "vitest";
import { eventHash, GENESIS_HASH } from "../../functions/audit/chain.ts";
import { chainedEvent } from "../../functions/audit/schemas.ts";
import { dynamoAuditLog } from "../../functions/audit/store.ts";
import { systemClock } from "../../functions/shared/clock.ts";
import { useLocalPlatformEnv } from "../support/env.ts";
import { chainHead, eventInput, freshAccountId, storedEvents } from "./chain-support.ts";

useLocalPlatformEnv();

describe("audit chain under concurrent writers", () => {
  it("20 parallel records (separate writers, cold heads) form one chain: seq 1..20, each linked to the previous", async () => {
    const accountId = freshAccountId();
    // A writer per record: none knows the head, as 20 cold Lambda containers would not.
    const written = await Promise.all(
      Array.from({ length: 20 }, (_, n) =>
        dynamoAuditLog(systemClock).record(eventInput(accountId, "user.enabled", n)),
      ),
    );
    expect(new Set(written.map((event) => event.seq)).size).toBe(20);

    const stored = (await storedEvents(accountId)).map((item) => chainedEvent.parse(item));
    expect(stored.map((event) => event.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(stored[0]?.prevHash).toBe(GENESIS_HASH);
    stored.forEach((event, i) => {
      expect(eventHash(event)).toBe(event.hash);
      if (i > 0) expect(event.prevHash).toBe(stored[i - 1]?.hash);
    });
    expect(new Set(stored.map((event) => event.details?.n)).size).toBe(20);
    const head = await chainHead(accountId, "persistent");
    expect(head).toMatchObject({ seq: 20, hash: stored[19]?.hash });
  });
});
