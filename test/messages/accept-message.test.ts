import { beforeAll, describe, expect, it } from "vitest";
import type { MessageQueue, SmsQueueId } from "../../functions/messages/model.ts";
import { openField } from "../../functions/messages/sealed.ts";
import { acceptMessage, defaultMessagingDeps, type MessagingDeps } from "../../functions/messages/service.ts";
import { dynamoMessageRepository } from "../../functions/messages/store.ts";
import { epochSeconds } from "../../functions/shared/clock.ts";
import { DomainError } from "../../functions/shared/problem.ts";
import { useLocalPlatformEnv } from "../support/env.ts";
import { createTestAccount, randomMobile, storedMessagesOf, type TestAccount } from "./support.ts";

useLocalPlatformEnv();

/** acceptMessage is the entry the verify capability also uses: its contract, against the emulators. */
let account: TestAccount;
beforeAll(async () => {
  account = await createTestAccount();
});

function recording(): MessageQueue & { calls: { queue: SmsQueueId; id: string; delay: number }[] } {
  const calls: { queue: SmsQueueId; id: string; delay: number }[] = [];
  return { calls, enqueue: async (queue, id, delay = 0) => void calls.push({ queue, id, delay }) };
}

const depsWith = (queue: MessageQueue): MessagingDeps => ({ ...defaultMessagingDeps(), queue });

describe("acceptMessage", () => {
  it.each([
    ["otp", "sms-otp"],
    ["high", "sms-transactional"],
    ["normal", "sms-transactional"],
    ["low", "sms-bulk"],
  ] as const)("priority %s goes to %s, with only the id on the queue", async (priority, queueId) => {
    const queue = recording();
    const accepted = await acceptMessage(
      { accountId: account.accountId, to: randomMobile(), text: "Your code is 123456", priority, tag: "t" },
      depsWith(queue),
    );
    expect(queue.calls).toEqual([{ queue: queueId, id: accepted.id, delay: 0 }]);
    expect(accepted).toMatchObject({ status: "queued", segments: 1, encoding: "GSM-7" });
  });

  it("stores to/text encrypted and bound to the message, with a masked number and retention TTL", async () => {
    const to = randomMobile();
    const deps = depsWith(recording());
    const before = epochSeconds(new Date());
    const { id } = await acceptMessage(
      { accountId: account.accountId, to, text: "bound", priority: "normal" },
      deps,
    );
    const stored = await dynamoMessageRepository().get(id);
    expect(stored).toMatchObject({ toMasked: `+********${to.slice(-3)}`, country: "EE", status: "queued" });
    const binding = { accountId: account.accountId, messageId: id, field: "to" } as const;
    expect(await openField(deps.cipher, binding, stored?.toCipher ?? "")).toBe(to);
    expect(await openField(deps.cipher, { ...binding, field: "text" }, stored?.textCipher ?? "")).toBe(
      "bound",
    );
    // A ciphertext moved to another message, field or account does not open.
    await expect(
      openField(deps.cipher, { ...binding, messageId: "msg_other" }, stored?.toCipher ?? ""),
    ).rejects.toThrow();
    await expect(openField(deps.cipher, binding, stored?.textCipher ?? "")).rejects.toThrow();
    await expect(
      openField(deps.cipher, { ...binding, accountId: "acc_other" }, stored?.toCipher ?? ""),
    ).rejects.toThrow();
    // Retention: the test account keeps data 30 days.
    expect(stored?.expiresAt).toBeGreaterThanOrEqual(before + 30 * 86400);
    expect(stored?.expiresAt).toBeLessThanOrEqual(before + 30 * 86400 + 5);
  });

  it("when the enqueue fails the message is deleted (never left queued) and the caller gets 503", async () => {
    const fresh = await createTestAccount();
    const failing: MessageQueue = {
      enqueue: async () => {
        throw new Error("SQS down");
      },
    };
    const attempt = acceptMessage(
      { accountId: fresh.accountId, to: randomMobile(), text: "lost?", priority: "normal" },
      depsWith(failing),
    );
    await expect(attempt).rejects.toMatchObject({ slug: "service-unavailable" });
    expect(await storedMessagesOf(fresh.accountId)).toEqual([]);
  });

  it("refuses an unknown account and a country the account has not enabled", async () => {
    const deps = depsWith(recording());
    await expect(
      acceptMessage({ accountId: "acc_missing", to: randomMobile(), text: "x", priority: "normal" }, deps),
    ).rejects.toMatchObject({ slug: "forbidden" });
    await expect(
      acceptMessage({ accountId: account.accountId, to: "+12015550123", text: "x", priority: "otp" }, deps),
    ).rejects.toBeInstanceOf(DomainError);
  });
});
