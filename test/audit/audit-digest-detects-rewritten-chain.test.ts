/**
 * Signed daily digests catch what the chain alone cannot: a rewrite of a whole chain (every hash
 * recomputed, head moved along) still links, but no longer holds the digested hash at the digested
 * seq, and a forged digest fails its signature. Today's clock moved 3 days on, so the day's marker
 * list holds only this file's account.
 */
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import { accountPartition, chainHeadKey, digestKey, eventHash } from "../../functions/audit/chain.ts";
import { readDigests, signDailyDigests } from "../../functions/audit/digest.ts";
import { chainedEvent } from "../../functions/audit/schemas.ts";
import { dynamoAuditLog } from "../../functions/audit/store.ts";
import { verifyAuditChains } from "../../functions/audit/verify.ts";
import { fileSigner } from "../../functions/identity/signing.ts";
import { dynamoClient } from "../../functions/shared/aws.ts";
import { tableName } from "../../functions/shared/config.ts";
import { useLocalPlatformEnv } from "../support/env.ts";
import {
  DAY_MS,
  editStoredItem,
  eventInput,
  freshAccountId,
  movingClock,
  storedEvents,
} from "./chain-support.ts";

const env = useLocalPlatformEnv();
const signer = fileSigner(env.TEXTGATE_LOCAL_SIGNING_KEY ?? "");
const clock = movingClock();
clock.advance(3 * DAY_MS + Math.floor(Math.random() * 3600_000));
const day = clock.now().toISOString().slice(0, 10);
const verify = (accountId: string) =>
  verifyAuditChains(accountId, { clock, publicKey: () => signer.publicKey() });

/** Rewrites the persistent chain from `fromSeq` with a changed detail, every link recomputed. */
async function rewritePersistentChain(accountId: string, fromSeq: number): Promise<void> {
  const events = (await storedEvents(accountId))
    .map((item) => ({ item, event: chainedEvent.parse(item) }))
    .filter(({ event }) => event.class === "persistent");
  let prevHash = events.find(({ event }) => event.seq === fromSeq - 1)?.event.hash ?? "";
  let last = events[0]?.event;
  for (const { item, event } of events.filter(({ event }) => event.seq >= fromSeq)) {
    const { hash: _old, ...rest } = event;
    const unhashed = { ...rest, prevHash, details: { n: 4242 } };
    const rewritten = { ...unhashed, hash: eventHash(unhashed) };
    await editStoredItem(
      { pk: item.pk, sk: item.sk },
      { details: rewritten.details, prevHash, hash: rewritten.hash },
    );
    prevHash = rewritten.hash;
    last = rewritten;
  }
  if (!last) throw new Error("no events to rewrite");
  await editStoredItem(
    { pk: accountPartition(accountId), sk: chainHeadKey("persistent") },
    { hash: last.hash },
  );
}

let accountId: string;

beforeAll(async () => {
  accountId = freshAccountId();
  const log = dynamoAuditLog(clock);
  for (let n = 0; n < 4; n++) await log.record(eventInput(accountId, "webhook.updated", n));
  await log.record(eventInput(accountId, "auth.login.failed", 9));
  const first = await signDailyDigests(day, { clock, signer });
  expect(first).toEqual({ signed: 1, existing: 0 });
  // The hourly schedule runs again: the day's digest stands, nothing is re-signed.
  clock.advance(3600_000);
  await log.record(eventInput(accountId, "webhook.updated", 5));
  expect(await signDailyDigests(day, { clock, signer })).toEqual({ signed: 0, existing: 1 });
});

describe("signed daily digests", () => {
  it("a digest signs the heads of the day (persistent seq 4, short seq 1) and verify checks it", async () => {
    const [digest] = await readDigests(accountId);
    expect(digest).toMatchObject({
      date: day,
      alg: "ES256",
      heads: { persistent: { seq: 4 }, short: { seq: 1 } },
    });
    expect(await verify(accountId)).toMatchObject({ valid: true, checked: 6, digests: { checked: 1 } });
  });

  it("a whole-chain rewrite that relinks every hash is caught by the digest", async () => {
    await rewritePersistentChain(accountId, 2);
    const persistent = (await storedEvents(accountId)).filter((item) => item.class === "persistent");
    const report = await verify(accountId);
    expect(report.valid).toBe(false);
    expect(report.firstBreak).toMatchObject({
      id: persistent.find((item) => item.seq === 4)?.id,
      reason: `differs from the signed digest of ${day}`,
    });
  });

  it("a digest re-signed without the key (heads replaced) fails its signature", async () => {
    const [digest] = await readDigests(accountId);
    if (!digest) throw new Error("no digest");
    const events = (await storedEvents(accountId)).map((item) => chainedEvent.parse(item));
    const head = events.filter((event) => event.class === "persistent").at(-1);
    await dynamoClient().send(
      new PutCommand({
        TableName: tableName("audit"),
        Item: {
          pk: accountPartition(accountId),
          sk: digestKey(day),
          ...digest,
          heads: { ...digest.heads, persistent: { seq: head?.seq, hash: head?.hash } },
        },
      }),
    );
    const report = await verify(accountId);
    expect(report.firstBreak).toMatchObject({
      id: `digest-${day}`,
      reason: "digest signature does not verify",
    });
  });
});
