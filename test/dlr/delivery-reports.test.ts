import { randomUUID } from "node:crypto";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { carrierSecrets } from "../../functions/carriers/store.ts";
import { dynamoMessageStateStore } from "../../functions/messages/state-store.ts";
import {
  lambdaContext,
  sqsEvent,
  startTestCarrier,
  storeMessage,
  type TestCarrier,
} from "../dispatch/support.ts";
import { call, createTestAccount, outbox, randomMobile, type TestAccount } from "../messages/support.ts";
import { useLocalPlatformEnv } from "../support/env.ts";

useLocalPlatformEnv();

let account: TestAccount;
let carrier: TestCarrier;
const store = dynamoMessageStateStore();

beforeAll(async () => {
  [account, carrier] = await Promise.all([createTestAccount(["EE", "DE"]), startTestCarrier()]);
});
afterAll(async () => {
  await carrier?.retire();
});

function signedPost(carrierId: string, secret: string, payload: unknown, options: { at?: Date } = {}) {
  const body = JSON.stringify(payload);
  const id = `dlr_${randomUUID()}`;
  const at = options.at ?? new Date();
  return call("POST", `/v1/carriers/${carrierId}/dlr`, {
    raw: body,
    headers: {
      "webhook-id": id,
      "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
      "webhook-signature": new Webhook(secret).sign(id, at, body),
    },
  });
}

async function deliveredMessage(): Promise<{ id: string; carrierMessageId: string }> {
  const to = randomMobile();
  const sent = await call("POST", "/v1/messages", { apiKey: account.apiKey, json: { to, text: "dlr test" } });
  expect(sent.status).toBe(202);
  await expect
    .poll(
      async () => (await call("GET", `/v1/messages/${sent.body.id}`, { apiKey: account.apiKey })).body.status,
      {
        timeout: 15_000,
        interval: 100,
      },
    )
    .toBe("delivered");
  const [entry] = (await outbox(to)) as { carrierMessageId?: string }[];
  return { id: sent.body.id, carrierMessageId: entry?.carrierMessageId ?? "" };
}

describe("POST /v1/carriers/{carrierId}/dlr", () => {
  it("a duplicate DLR is a 200 no-op; a late worse status never overwrites delivered", async () => {
    const { id, carrierMessageId } = await deliveredMessage();
    const secret = (await carrierSecrets("sim"))?.dlrSecret ?? "";
    const report = { reference: id, carrierMessageId, status: "delivered", doneAt: new Date().toISOString() };
    const duplicate = await signedPost("sim", secret, report);
    expect(duplicate.status).toBe(200);
    expect(duplicate.body).toEqual({ outcome: "duplicate" });
    const late = await signedPost("sim", secret, { ...report, status: "undelivered", errorCode: "x" });
    expect(late.body).toEqual({ outcome: "duplicate" });
    const read = await call("GET", `/v1/messages/${id}`, { apiKey: account.apiKey });
    expect(read.body.status).toBe("delivered");
    expect(read.body.error).toBeUndefined();
  });

  it("another carrier cannot report on this message (ignored, unchanged)", async () => {
    const { id, carrierMessageId } = await deliveredMessage();
    const report = { reference: id, carrierMessageId, status: "failed", doneAt: new Date().toISOString() };
    const reply = await signedPost(carrier.carrierId, carrier.sim.dlrSecret, report);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ outcome: "ignored" });
    expect((await store.get(id))?.status).toBe("delivered");
  });

  it.each([
    ["no signature headers", "none"],
    ["a signature by another secret", "wrong-secret"],
    ["a timestamp outside the tolerance", "old"],
    ["an unknown carrier", "unknown-carrier"],
  ])("refuses %s with 401 problem", async (_name, variant) => {
    const secret = (await carrierSecrets("sim"))?.dlrSecret ?? "";
    const report = {
      reference: "msg_01JAAAAAAAAAAAAAAAAAAAAAAA",
      carrierMessageId: "c1",
      status: "delivered",
      doneAt: new Date().toISOString(),
    };
    const reply =
      variant === "none"
        ? await call("POST", "/v1/carriers/sim/dlr", { json: report })
        : variant === "wrong-secret"
          ? await signedPost("sim", carrier.sim.dlrSecret, report)
          : variant === "old"
            ? await signedPost("sim", secret, report, { at: new Date(Date.now() - 10 * 60_000) })
            : await signedPost("no-such-carrier", secret, report);
    expect(reply.status).toBe(401);
    expect(reply.headers.get("content-type")).toContain("application/problem+json");
  });

  it("validates the body only after the signature: signed garbage → 400 naming the field", async () => {
    const secret = (await carrierSecrets("sim"))?.dlrSecret ?? "";
    const reply = await signedPost("sim", secret, { reference: "nope", status: "delivered" });
    expect(reply.status).toBe(400);
    expect(reply.body.errors.map((e: { field: string }) => e.field)).toEqual(
      expect.arrayContaining(["reference", "carrierMessageId", "doneAt"]),
    );
  });

  it("a DLR that overtakes the dispatcher's 'sent' write wins; 'sent' only fills in sentAt", async () => {
    const id = await storeMessage({ accountId: account.accountId, to: carrier.number(), text: "overtaken" });
    const lease = {
      id: "attempt-1",
      carrierId: carrier.carrierId,
      leaseUntil: Date.now() + 30_000,
      attempt: 1,
    };
    expect(await store.claim(id, lease)).toBe(true);
    const report = {
      reference: id,
      carrierMessageId: "c-fast",
      status: "delivered",
      doneAt: new Date().toISOString(),
    };
    const reply = await signedPost(carrier.carrierId, carrier.sim.dlrSecret, report);
    expect(reply.body).toEqual({ outcome: "applied" });
    await store.markSent(id, lease, "c-fast", new Date().toISOString());
    expect(await store.get(id)).toMatchObject({
      status: "delivered",
      sentAt: expect.any(String),
      deliveredAt: expect.any(String),
    });
    // And a redelivered dispatch record for it is acknowledged without a submission.
    const { handler } = await import("../../functions/dispatch/handler.ts");
    const redelivered = await handler(sqsEvent(id, 2), lambdaContext);
    expect(redelivered.batchItemFailures).toEqual([]);
    expect(carrier.sim.submissionsByReference().get(id) ?? 0).toBe(0);
  });
});
