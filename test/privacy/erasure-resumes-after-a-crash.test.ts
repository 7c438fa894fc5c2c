/**
 * The eraser is worked off an SQS queue: a job that dies half-way is delivered again. The second
 * run must finish the work and count every deleted item exactly once (each delete and its count are
 * one conditional transaction), and a run of a completed job changes nothing.
 */

import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import { dynamoSmppPartStore, refKey } from "../../functions/carriers/smpp/part-store.ts";
import { runErasure } from "../../functions/privacy/erasure.ts";
import type { EraserDeps } from "../../functions/privacy/ports.ts";
import { receiptSignatureIsValid } from "../../functions/privacy/receipt-signature.ts";
import { eraserDeps } from "../../functions/privacy/wiring.ts";
import { dynamoClient } from "../../functions/shared/aws.ts";
import { tableName } from "../../functions/shared/config.ts";
import { newId } from "../../functions/shared/ids.ts";
import { hasher } from "../../functions/shared/secrets.ts";
import { useLocalPlatformEnv } from "../support/env.ts";
import { estonianMobile } from "../verify/support.ts";
import { createPrivacyAccount, type PrivacyAccount, send } from "./support.ts";

useLocalPlatformEnv();

let account: PrivacyAccount;
beforeAll(async () => {
  account = await createPrivacyAccount();
});

async function newErasure(subject: string) {
  const erasureId = newId("dse");
  await eraserDeps().erasures.create({
    id: erasureId,
    accountId: account.accountId,
    status: "pending",
    counts: {
      messages: 0,
      smppParts: 0,
      smppReceiptRefs: 0,
      idempotencyRecords: 0,
      verifications: 0,
      verificationPointers: 0,
    },
    requestedAt: new Date().toISOString(),
  });
  return { erasureId, accountId: account.accountId, toIndex: await hasher().hmac("phone-index", subject) };
}

/** Eraser deps whose store fails (like a timeout) once `deletesBeforeCrash` deletes went through. */
function crashingAfter(deletesBeforeCrash: number): EraserDeps {
  const deps = eraserDeps();
  let deletes = 0;
  return {
    ...deps,
    erasures: {
      ...deps.erasures,
      async deleteCounted(...args) {
        if (deletes >= deletesBeforeCrash) throw new Error("simulated crash");
        deletes += 1;
        return deps.erasures.deleteCounted(...args);
      },
    },
  };
}

describe("erasure after a crash", () => {
  it("resumes on redelivery and counts each deleted item once", async () => {
    const subject = estonianMobile();
    for (const text of ["a", "b", "c"]) {
      await send(account, { to: subject, text }, { "Idempotency-Key": crypto.randomUUID() });
    }
    const erasureId = newId("dse");
    const job = {
      erasureId,
      accountId: account.accountId,
      toIndex: await hasher().hmac("phone-index", subject),
    };
    await eraserDeps().erasures.create({
      id: erasureId,
      accountId: account.accountId,
      status: "pending",
      counts: {
        messages: 0,
        smppParts: 0,
        smppReceiptRefs: 0,
        idempotencyRecords: 0,
        verifications: 0,
        verificationPointers: 0,
      },
      requestedAt: new Date().toISOString(),
    });

    await expect(runErasure(job, crashingAfter(3))).rejects.toThrow("simulated crash");
    const halfway = await eraserDeps().erasures.get(erasureId);
    expect(halfway?.status).toBe("running");
    expect(Object.values(halfway?.counts ?? {}).reduce((a, b) => a + b, 0)).toBe(3);

    expect(await runErasure(job, eraserDeps())).toBe("completed");
    const receipt = await eraserDeps().erasures.get(erasureId);
    expect(receipt?.counts).toEqual({
      messages: 3,
      smppParts: 0,
      smppReceiptRefs: 0,
      idempotencyRecords: 3,
      verifications: 0,
      verificationPointers: 0,
    });
    expect(receipt?.startedAt).toBe(halfway?.startedAt);
    if (!receipt) throw new Error("receipt missing");
    expect(await receiptSignatureIsValid(receipt)).toBe(true);

    // A redelivery of the completed job does nothing.
    expect(await runErasure(job, eraserDeps())).toBe("skipped");
    expect(await eraserDeps().erasures.get(erasureId)).toEqual(receipt);
  });

  it("deletes a message's SMPP parts and the receipt refs that name it", async () => {
    const subject = estonianMobile();
    const messageId = await send(account, { to: subject, text: "in two parts" });
    const parts = dynamoSmppPartStore();
    const expiresAt = Math.floor(Date.now() / 1000) + 3600;
    await parts.recordAccepted(
      messageId,
      { seq: 1, total: 2, carrierId: "smsc-a", carrierMessageId: "00ff" },
      expiresAt,
    );
    await parts.recordAccepted(
      messageId,
      { seq: 2, total: 2, carrierId: "smsc-a", carrierMessageId: "0100" },
      expiresAt,
    );
    expect(await parts.findByReceiptId("smsc-a", "255")).toEqual({ messageId, seq: 1 });

    const job = await newErasure(subject);
    expect(await runErasure(job, eraserDeps())).toBe("completed");

    const receipt = await eraserDeps().erasures.get(job.erasureId);
    // Two parts, each indexed under its hex and its decimal id (receipts.ts acceptedIdKeys).
    expect(receipt?.counts).toMatchObject({ messages: 1, smppParts: 2, smppReceiptRefs: 4 });
    expect(await parts.accepted(messageId)).toEqual([]);
    expect(await parts.findByReceiptId("smsc-a", "255")).toBeUndefined();
    const { Item } = await dynamoClient().send(
      new GetCommand({ TableName: tableName("messages"), Key: refKey("smsc-a", "100") }),
    );
    expect(Item).toBeUndefined();
  });
});
