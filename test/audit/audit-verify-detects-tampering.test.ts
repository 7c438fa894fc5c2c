/**
 * Tamper evidence: verify re-walks both chains of an account and names the first break when a stored
 * event was edited or removed directly in DynamoDB (as someone with table access could).
 */
import { DeleteCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { accountPartition, chainHeadKey, eventHash } from "../../functions/audit/chain.ts";
import { chainedEvent } from "../../functions/audit/schemas.ts";
import { dynamoAuditLog } from "../../functions/audit/store.ts";
import { verifyAuditChains } from "../../functions/audit/verify.ts";
import { fileSigner } from "../../functions/identity/signing.ts";
import { dynamoClient } from "../../functions/shared/aws.ts";
import { systemClock } from "../../functions/shared/clock.ts";
import { tableName } from "../../functions/shared/config.ts";
import { useLocalPlatformEnv } from "../support/env.ts";
import { editStoredItem, eventInput, freshAccountId, storedEvents } from "./chain-support.ts";

const env = useLocalPlatformEnv();
const signer = fileSigner(env.TEXTGATE_LOCAL_SIGNING_KEY ?? "");
const verify = (accountId: string) =>
  verifyAuditChains(accountId, { clock: systemClock, publicKey: () => signer.publicKey() });

/** 4 persistent and 3 short events, interleaved as real traffic would be. */
async function accountWithEvents(): Promise<string> {
  const accountId = freshAccountId();
  const log = dynamoAuditLog(systemClock);
  for (let n = 0; n < 7; n++) {
    await log.record(eventInput(accountId, n % 2 === 0 ? "user.role.changed" : "auth.login.failed", n));
  }
  return accountId;
}

async function storedEventWith(accountId: string, auditClass: string, seq: number) {
  const item = (await storedEvents(accountId)).find(
    (event) => event.class === auditClass && event.seq === seq,
  );
  if (!item) throw new Error(`no ${auditClass} event ${seq}`);
  return item;
}

describe("GET /v1/audit/verify's chain walk", () => {
  it("an untouched account: valid, every event checked on its chain", async () => {
    const accountId = await accountWithEvents();
    const report = await verify(accountId);
    expect(report).toMatchObject({
      valid: true,
      checked: 7,
      chains: { persistent: { checked: 4, headSeq: 4 }, short: { checked: 3, headSeq: 3 } },
    });
    expect(report.firstBreak).toBeUndefined();
  });

  it("one edited detail of a persistent event: the first break is that event (its hash no longer matches)", async () => {
    const accountId = await accountWithEvents();
    const target = await storedEventWith(accountId, "persistent", 2);
    await editStoredItem({ pk: target.pk, sk: target.sk }, { details: { n: 999 } });
    const report = await verify(accountId);
    expect(report.valid).toBe(false);
    expect(report.firstBreak).toMatchObject({ id: target.id, at: target.at });
    expect(report.firstBreak?.reason).toMatch(/hash/);
  });

  it("an edited short event whose hash was recomputed too: the next event's prevHash breaks", async () => {
    const accountId = await accountWithEvents();
    const target = await storedEventWith(accountId, "short", 1);
    const next = await storedEventWith(accountId, "short", 2);
    const forged = {
      ...chainedEvent.parse(target),
      actor: { type: "user" as const, id: "usr_SOMEONE_ELSE" },
    };
    await editStoredItem({ pk: target.pk, sk: target.sk }, { actor: forged.actor, hash: eventHash(forged) });
    const report = await verify(accountId);
    expect(report.firstBreak).toMatchObject({
      id: next.id,
      reason: "prevHash does not match the previous event",
    });
  });

  it("a deleted event in the middle: the break names the gap", async () => {
    const accountId = await accountWithEvents();
    const removed = await storedEventWith(accountId, "persistent", 3);
    const after = await storedEventWith(accountId, "persistent", 4);
    await dynamoClient().send(
      new DeleteCommand({ TableName: tableName("audit"), Key: { pk: removed.pk, sk: removed.sk } }),
    );
    const report = await verify(accountId);
    expect(report.firstBreak).toMatchObject({ id: after.id, reason: "events missing between seq 2 and 4" });
  });

  it("the newest event deleted: the chain stops short of its head", async () => {
    const accountId = await accountWithEvents();
    const newest = await storedEventWith(accountId, "short", 3);
    await dynamoClient().send(
      new DeleteCommand({ TableName: tableName("audit"), Key: { pk: newest.pk, sk: newest.sk } }),
    );
    const report = await verify(accountId);
    expect(report.valid).toBe(false);
    expect(report.firstBreak?.reason).toBe("events after seq 2 are missing (the short head is at seq 3)");
  });

  it("the chain head deleted or moved back (to hide the newest events): the first hidden event is the break", async () => {
    for (const tamper of ["delete", "move back"] as const) {
      const accountId = await accountWithEvents();
      const hidden = await storedEventWith(accountId, "persistent", tamper === "delete" ? 1 : 3);
      const headKey = { pk: accountPartition(accountId), sk: chainHeadKey("persistent") };
      if (tamper === "delete") {
        await dynamoClient().send(new DeleteCommand({ TableName: tableName("audit"), Key: headKey }));
      } else {
        const previous = await storedEventWith(accountId, "persistent", 2);
        await editStoredItem(headKey, { seq: 2, hash: previous.hash, at: previous.at });
      }
      const report = await verify(accountId);
      expect(report.valid, tamper).toBe(false);
      expect(report.firstBreak, tamper).toMatchObject({
        id: hidden.id,
        reason: "the event is beyond the persistent chain head (removed or moved back)",
      });
    }
  });

  it("an event appended between the heads read and the walk is left for the next verify, not reported", async () => {
    const accountId = await accountWithEvents();
    const log = dynamoAuditLog(systemClock);
    // A concurrent writer appends after the heads were read, just before the first page of events.
    let appended = false;
    const name = `append-during-verify-${accountId}`;
    dynamoClient().middlewareStack.add(
      (next, context) => async (args) => {
        const walkQuery = /BETWEEN/.test(
          String((args.input as { KeyConditionExpression?: string }).KeyConditionExpression),
        );
        if (!appended && context.commandName === "QueryCommand" && walkQuery) {
          appended = true;
          await log.record(eventInput(accountId, "user.role.changed", 8));
        }
        return next(args);
      },
      { step: "initialize", name },
    );
    try {
      const report = await verify(accountId);
      expect(appended).toBe(true);
      expect(report).toMatchObject({ valid: true, chains: { persistent: { checked: 4, headSeq: 4 } } });
    } finally {
      dynamoClient().middlewareStack.remove(name);
    }
    expect((await verify(accountId)).chains.persistent).toMatchObject({ checked: 5, headSeq: 5 });
  });
});
