import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import {
  type CarrierAdapter,
  type CarrierRoute,
  type Submission,
  TransientCarrierError,
} from "../../functions/carriers/model.ts";
import { type DispatchDeps, dispatchMessage, RetryLaterError } from "../../functions/dispatch/service.ts";
import { dynamoMessageStateStore } from "../../functions/messages/state-store.ts";
import { fieldCipher } from "../../functions/shared/crypto.ts";
import { createTestAccount, type TestAccount } from "../messages/support.ts";
import { useLocalPlatformEnv } from "../support/env.ts";
import { storeMessage } from "./support.ts";

/**
 * Failover between ranked routes, with the real message store: the next route takes a message only
 * when the first carrier definitely did not accept it (breaker open, refused for now), never when
 * it may have (a timeout: it is asked, and keeps the message).
 */
useLocalPlatformEnv();

let account: TestAccount;
beforeAll(async () => {
  account = await createTestAccount(["EE"]);
});

const route = (carrierId: string, priority: number): CarrierRoute => ({
  carrierId,
  name: carrierId,
  protocol: "http",
  baseUrl: `https://${carrierId}.example`,
  tls: true,
  prefixes: ["+372"],
  priority,
  weight: 1,
  enabled: true,
});

/** An in-memory carrier whose next submissions fail as told. */
function fakeCarrier() {
  const accepted = new Map<string, string>();
  const failures: Error[] = [];
  const adapter: CarrierAdapter = {
    async submit(submission: Submission) {
      const failure = failures.shift();
      if (failure instanceof TransientCarrierError && failure.message === "timeout after accepting") {
        accepted.set(submission.reference, randomUUID());
      }
      if (failure) throw failure;
      const id = randomUUID();
      accepted.set(submission.reference, id);
      return { carrierMessageId: id };
    },
    lookup: async (reference) => {
      const id = accepted.get(reference);
      return id
        ? ({ outcome: "received", carrierMessageId: id } as const)
        : ({ outcome: "not-received" } as const);
    },
  };
  return { adapter, accepted, failures };
}

function setup(options: { openBreakers?: string[] } = {}) {
  const primary = fakeCarrier();
  const backup = fakeCarrier();
  let nowMs = Date.now();
  const deps: DispatchDeps = {
    store: dynamoMessageStateStore(),
    routes: async () => [route("primary", 1), route("backup", 2)],
    adapterFor: async (chosen) => (chosen.carrierId === "primary" ? primary.adapter : backup.adapter),
    carrierAvailable: (carrierId) => !(options.openBreakers ?? []).includes(carrierId),
    cipher: fieldCipher(),
    clock: { now: () => new Date(nowMs) },
    leaseMs: 30_000,
    defaultSender: "Textgate",
  };
  const dispatch = (messageId: string, receiveCount: number) =>
    dispatchMessage({ messageId, receiveCount, maxReceiveCount: 5 }, deps);
  const redeliveryLater = () => {
    nowMs += 31_000;
  };
  return { primary, backup, deps, dispatch, redeliveryLater };
}

const newMessage = () => storeMessage({ accountId: account.accountId, to: "+37256123457", text: "failover" });

describe("failover on measured carrier state", () => {
  it("an open breaker on the preferred carrier sends the message through the next ranked route", async () => {
    const { primary, backup, dispatch, deps } = setup({ openBreakers: ["primary"] });
    const id = await newMessage();
    expect(await dispatch(id, 1)).toBe("sent");
    expect([primary.accepted.has(id), backup.accepted.has(id)]).toEqual([false, true]);
    expect((await deps.store.get(id))?.carrierId).toBe("backup");
  });

  it("with every carrier's breaker open the message waits queued instead of failing", async () => {
    const { dispatch, deps } = setup({ openBreakers: ["primary", "backup"] });
    const id = await newMessage();
    await expect(dispatch(id, 1)).rejects.toBeInstanceOf(RetryLaterError);
    expect((await deps.store.get(id))?.status).toBe("queued");
  });

  it("a carrier that refused for now (throttled) hands the redelivery to the next route", async () => {
    const { primary, backup, dispatch, redeliveryLater } = setup();
    primary.failures.push(new TransientCarrierError("throttled", { notAccepted: true }));
    const id = await newMessage();
    await expect(dispatch(id, 1)).rejects.toBeInstanceOf(RetryLaterError);
    redeliveryLater();
    expect(await dispatch(id, 2)).toBe("sent");
    expect([primary.accepted.has(id), backup.accepted.has(id)]).toEqual([false, true]);
  });

  it("a timeout (the carrier may have it) never fails over: the same carrier is asked and keeps it", async () => {
    const { primary, backup, dispatch, redeliveryLater } = setup();
    primary.failures.push(new TransientCarrierError("timeout after accepting"));
    const id = await newMessage();
    await expect(dispatch(id, 1)).rejects.toBeInstanceOf(RetryLaterError);
    redeliveryLater();
    expect(await dispatch(id, 2)).toBe("reconciled");
    expect([primary.accepted.has(id), backup.accepted.has(id)]).toEqual([true, false]);
  });
});
