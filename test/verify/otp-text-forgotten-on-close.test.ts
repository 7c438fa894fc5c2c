/**
 * A verification that closes while its OTP text still waits for the dispatcher takes that text
 * with it: the queued message is cancelled (its encrypted body dropped) and the dispatcher never
 * submits it. The harness's OTP queue only holds ids, so no dispatch can happen in between; every
 * assertion reads the raw items.
 */
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { dispatchDeps } from "../../functions/dispatch/handler.ts";
import { dispatchMessage } from "../../functions/dispatch/service.ts";
import { messageKey } from "../../functions/messages/store.ts";
import { dynamoClient } from "../../functions/shared/aws.ts";
import { tableName } from "../../functions/shared/config.ts";
import { cancelVerification, checkVerification, startVerification } from "../../functions/verify/service.ts";
import { storedMessagesOf } from "../messages/support.ts";
import { useLocalPlatformEnv } from "../support/env.ts";
import { domainError, estonianMobile, type Harness, testAccountId, verifyHarness } from "./support.ts";

useLocalPlatformEnv();

const requester = { type: "apiKey", id: "key_otp_text_forgotten" } as const;

const rawMessage = async (id: string) =>
  (await dynamoClient().send(new GetCommand({ TableName: tableName("messages"), Key: messageKey(id) }))).Item;

const rawVerification = async (id: string) =>
  (await dynamoClient().send(new GetCommand({ TableName: tableName("verifications"), Key: { pk: id } })))
    .Item;

/** The message ids recorded on the raw verification item. */
async function messageIdsOf(verificationId: string): Promise<string[]> {
  const ids = (await rawVerification(verificationId))?.messageIds;
  expect(ids).toEqual(expect.any(Array));
  return ids as string[];
}

async function expectCancelledWithoutText(messageId: string): Promise<void> {
  const item = await rawMessage(messageId);
  expect(item).toMatchObject({ status: "cancelled", cancelledAt: expect.any(String) });
  expect(item).not.toHaveProperty("textCipher");
  // Its queue record, delivered late, does not reach a carrier.
  expect(await dispatchMessage({ messageId, receiveCount: 1, maxReceiveCount: 5 }, dispatchDeps())).toBe(
    "done-already",
  );
}

async function started(h: Harness, expirySeconds?: number) {
  const accountId = testAccountId();
  const to = estonianMobile();
  const view = await startVerification(
    { accountId, to, requester, ...(expirySeconds ? { expirySeconds } : {}) },
    h.deps,
  );
  const [messageId] = await messageIdsOf(view.id);
  expect(h.held).toEqual([messageId]);
  expect(await rawMessage(messageId ?? "")).toMatchObject({
    status: "queued",
    priority: "otp",
    textCipher: expect.any(String),
  });
  return { accountId, to, verificationId: view.id, messageId: messageId ?? "" };
}

describe("OTP texts do not outlive their verification", () => {
  it("cancelled via the API: the queued text is cancelled and loses its body", async () => {
    const h = verifyHarness();
    const { accountId, verificationId, messageId } = await started(h);
    await cancelVerification({ accountId, verificationId }, h.deps);
    await expectCancelledWithoutText(messageId);
  });

  it("failed after too many wrong codes: every queued text of it loses its body", async () => {
    const h = verifyHarness();
    const { accountId, to, verificationId } = await started(h);
    await startVerification({ accountId, to, requester }, h.deps); // a resend: a second text
    const ids = await messageIdsOf(verificationId);
    expect(ids).toHaveLength(2);
    for (let attempt = 0; attempt < 5; attempt++) {
      await domainError(checkVerification({ accountId, verificationId, code: "000000" }, h.deps));
    }
    expect((await rawVerification(verificationId))?.status).toBe("failed");
    for (const id of ids) await expectCancelledWithoutText(id);
  });

  it("expired before dispatch: the next check or cancel that finds it expired drops the text", async () => {
    const h = verifyHarness();
    const { accountId, verificationId, messageId } = await started(h, 60);
    h.clock.advance(61);
    const refused = await domainError(
      checkVerification({ accountId, verificationId, code: "123456" }, h.deps),
    );
    expect(refused.extensions.verificationStatus).toBe("expired");
    await expectCancelledWithoutText(messageId);
  });

  it("approved: a text still queued is cancelled and loses its body", async () => {
    const h = verifyHarness();
    const { accountId, to, verificationId, messageId } = await started(h);
    const approved = await checkVerification({ accountId, verificationId, code: h.lastCodeTo(to) }, h.deps);
    expect(approved.status).toBe("approved");
    await expectCancelledWithoutText(messageId);
  });

  it("a resend kills the previous code: its queued text is cancelled, the new one keeps its body", async () => {
    const h = verifyHarness();
    const { accountId, to, verificationId, messageId } = await started(h);
    await startVerification({ accountId, to, requester }, h.deps);
    const [first, second] = await messageIdsOf(verificationId);
    expect(first).toBe(messageId);
    await expectCancelledWithoutText(messageId);
    expect(await rawMessage(second ?? "")).toMatchObject({
      status: "queued",
      textCipher: expect.any(String),
    });
    expect(h.held).toEqual([first, second]);
  });

  it("a start (no Idempotency-Key) whose text cannot be queued: 503, and the stored text is cancelled", async () => {
    const h = verifyHarness();
    const accountId = testAccountId();
    const deps = {
      ...h.deps,
      otpTexts: {
        ...h.deps.otpTexts,
        enqueue: async () => {
          throw new Error("injected: queue unavailable");
        },
      },
    };
    const refused = await domainError(
      startVerification({ accountId, to: estonianMobile(), requester }, deps),
    );
    expect(refused.slug).toBe("service-unavailable");
    const [message, ...others] = await storedMessagesOf(accountId);
    expect(others).toEqual([]);
    await expectCancelledWithoutText(String(message?.id));
  });
});
