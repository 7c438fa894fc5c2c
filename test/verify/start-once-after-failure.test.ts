/**
 * One Idempotency-Key, one verification, one code, one SMS — whatever failed after the start's
 * write. The first request runs in this worker with an injected fault and a clock five minutes back
 * (far past the 10 s in-progress window the old Powertools record had); the retry goes through the
 * platform's public API; the carrier simulator's outbox says what was actually sent.
 */
import { randomBytes } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { DomainError } from "../../functions/shared/problem.ts";
import type { OtpTexts } from "../../functions/verify/ports.ts";
import { defaultVerifyDeps, type StartVerificationInput } from "../../functions/verify/service.ts";
import { startVerificationOnce } from "../../functions/verify/start-once.ts";
import { storedMessagesOf } from "../messages/support.ts";
import { useLocalPlatformEnv } from "../support/env.ts";
import { api, codeFromOutbox, createVerifyAccount, outbox, type VerifyAccount } from "./http.ts";
import { estonianMobile } from "./support.ts";

useLocalPlatformEnv();

let account: VerifyAccount;
beforeAll(async () => {
  account = await createVerifyAccount();
});

const newKey = () => `start-once-${randomBytes(8).toString("hex")}`;
const fiveMinutesAgo = { now: () => new Date(Date.now() - 5 * 60_000) };

/** What the handler builds from {to} for this API key: the same request for the key's hash. */
const inputOf = (to: string): StartVerificationInput => ({
  accountId: account.accountId,
  to,
  requester: { type: "apiKey", id: account.keyId },
  codeLength: 6,
});

/** Verify deps as deployed, with the first attempt's clock and (optionally) a dying enqueue. */
function firstAttemptDeps(options: { enqueueDies: boolean }) {
  const deps = defaultVerifyDeps();
  const otpTexts: OtpTexts = options.enqueueDies
    ? {
        ...deps.otpTexts,
        enqueue: async () => {
          throw new Error("injected: function died after the start's write");
        },
      }
    : deps.otpTexts;
  return { ...deps, clock: fiveMinutesAgo, otpTexts };
}

const retry = (to: string, key: string) =>
  api(account, "POST", "/v1/verifications", { to, channel: "sms" }, { "idempotency-key": key });

const messagesTo = async (verificationId: string) =>
  (await storedMessagesOf(account.accountId)).filter((item) => item.tag === `verify:${verificationId}`);

describe("an Idempotency-Key on POST /v1/verifications binds to the verification and its text in one write", () => {
  it("dies after the write, before queueing: the retry returns the original 201 and the one code is sent once", async () => {
    const to = estonianMobile();
    const key = newKey();
    const failed = await startVerificationOnce(
      inputOf(to),
      key,
      firstAttemptDeps({ enqueueDies: true }),
    ).catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(DomainError);
    expect((failed as DomainError).slug).toBe("service-unavailable");

    const retried = await retry(to, key);
    expect(retried.status).toBe(201);
    expect(retried.headers.get("idempotent-replayed")).toBe("true");
    const code = await codeFromOutbox(to);

    const again = await retry(to, key);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(retried.body);
    const [message, ...otherMessages] = await messagesTo(retried.body.id);
    expect(otherMessages).toEqual([]);
    expect((await outbox(to)).map((entry) => entry.reference)).toEqual([message?.id]);
    // The text that went out carries the code of that verification, and it was its only send.
    const checked = await api(account, "POST", `/v1/verifications/${retried.body.id}/checks`, { code });
    expect(checked.body).toMatchObject({ status: "approved", sendAttempts: 1 });
  });

  it("the response is lost after the code was queued: the retry replays it, one carrier submission", async () => {
    const to = estonianMobile();
    const key = newKey();
    const lost = await startVerificationOnce(inputOf(to), key, firstAttemptDeps({ enqueueDies: false }));
    expect(lost.replayed).toBe(false);

    const retried = await retry(to, key);
    expect(retried.status).toBe(201);
    expect(retried.body).toEqual(lost.result);
    await codeFromOutbox(to);
    const [message, ...otherMessages] = await messagesTo(lost.result.id);
    expect(otherMessages).toEqual([]);
    expect((await outbox(to)).map((entry) => entry.reference)).toEqual([message?.id]);
    const read = await api(account, "GET", `/v1/verifications/${lost.result.id}`);
    expect(read.body.sendAttempts).toBe(1);
  });

  it("after such a failure, the same key with another body is refused (409) and sends nothing", async () => {
    const to = estonianMobile();
    const key = newKey();
    const failed = await startVerificationOnce(
      inputOf(to),
      key,
      firstAttemptDeps({ enqueueDies: true }),
    ).catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(DomainError);

    const other = await retry(estonianMobile(), key);
    expect(other.status).toBe(409);
    expect(other.body.type).toMatch(/idempotency-key-reused$/);
    const longer = await api(
      account,
      "POST",
      "/v1/verifications",
      { to, channel: "sms", codeLength: 8 },
      { "idempotency-key": key },
    );
    expect(longer.status).toBe(409);
    expect(await outbox(to)).toEqual([]);
  });

  it("parallel requests with one key: one verification, one text; the others replay it or are told to retry", async () => {
    const to = estonianMobile();
    const key = newKey();
    const replies = await Promise.all(Array.from({ length: 5 }, () => retry(to, key)));
    const created = replies.filter((reply) => reply.status === 201);
    const busy = replies.filter((reply) => reply.status !== 201);
    expect(created.length).toBeGreaterThanOrEqual(1);
    for (const reply of busy) {
      expect(reply.status).toBe(409);
      expect(reply.body.type).toMatch(/idempotency-in-progress$/);
    }
    expect(new Set(created.map((reply) => reply.body.id)).size).toBe(1);
    const verificationId = created[0]?.body.id;
    await codeFromOutbox(to);
    const [message, ...otherMessages] = await messagesTo(verificationId);
    expect(otherMessages).toEqual([]);
    expect((await outbox(to)).map((entry) => entry.reference)).toEqual([message?.id]);
    expect((await api(account, "GET", `/v1/verifications/${verificationId}`)).body.sendAttempts).toBe(1);
  });

  it("a key bound between the replay check and the write: the whole write is refused, the first start replays", async () => {
    const to = estonianMobile();
    const key = newKey();
    const first = await startVerificationOnce(inputOf(to), key, firstAttemptDeps({ enqueueDies: false }));
    const deps = defaultVerifyDeps();
    // The race: this request looked for the key just before the first one bound it.
    let looks = 0;
    const racing = {
      ...deps,
      store: {
        ...deps.store,
        findBinding: (...args: Parameters<typeof deps.store.findBinding>) =>
          looks++ === 0 ? Promise.resolve(undefined) : deps.store.findBinding(...args),
      },
    };
    const second = await startVerificationOnce(inputOf(to), key, racing);
    expect(looks).toBe(2);
    expect(second).toEqual({ result: first.result, replayed: true });
    // No resend slipped through with the refused transaction: one text, one send attempt.
    expect(await messagesTo(first.result.id)).toHaveLength(1);
    expect((await api(account, "GET", `/v1/verifications/${first.result.id}`)).body.sendAttempts).toBe(1);
  });
});
