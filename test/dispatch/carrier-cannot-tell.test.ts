/**
 * A carrier that took the message but whose answer was lost, and that cannot say so afterwards
 * (lookup error, or no lookup route at all): the message must stay unresolved — never "failed" —
 * so the carrier's later "delivered" report still settles it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpCarrierAdapter } from "../../functions/carriers/http-adapter.ts";
import { settleDeadLetter } from "../../functions/dispatch/dead-letters.ts";
import { dispatchDeps } from "../../functions/dispatch/handler.ts";
import { type DispatchDeps, dispatchMessage, RetryLaterError } from "../../functions/dispatch/service.ts";
import { applyDeliveryReport } from "../../functions/dlr/service.ts";
import { dynamoMessageStateStore } from "../../functions/messages/state-store.ts";
import { createTestAccount, type TestAccount } from "../messages/support.ts";
import { useLocalPlatformEnv } from "../support/env.ts";
import { startTestCarrier, storeMessage, type TestCarrier } from "./support.ts";

useLocalPlatformEnv();

let carrier: TestCarrier;
let account: TestAccount;
const store = dynamoMessageStateStore();

beforeAll(async () => {
  [carrier, account] = await Promise.all([startTestCarrier(), createTestAccount(["DE"])]);
});
afterAll(async () => {
  await carrier?.retire();
});

/**
 * The test carrier's real API for submissions, except that the answer to the POST is lost (the
 * carrier accepted it: a timeout after acceptance), and lookups get `lookupAnswer`.
 */
function deps(lookupAnswer: () => Response): DispatchDeps {
  const adapter = httpCarrierAdapter({
    baseUrl: carrier.sim.url,
    apiToken: carrier.sim.apiToken,
    fetch: (async (url: string, init: RequestInit) => {
      if (init.method === "GET") return lookupAnswer();
      await fetch(url, init);
      throw new DOMException("answer lost after the carrier accepted", "TimeoutError");
    }) as typeof fetch,
  });
  return { ...dispatchDeps(), adapterFor: async () => adapter };
}

const later = (ms: number) => ({ now: () => new Date(Date.now() + ms) });

describe("a carrier that cannot tell whether it got the message", () => {
  it.each([
    ["has no lookup route (generic 404)", () => new Response("Not Found", { status: 404 })],
    ["fails its lookup (500)", () => new Response("{}", { status: 500 })],
  ])(
    "%s on the last receive: the message stays unresolved and a later DLR settles it",
    async (_name, answer) => {
      const id = await storeMessage({ accountId: account.accountId, to: carrier.number(), text: "accepted" });

      const lastReceive = dispatchMessage(
        { messageId: id, receiveCount: 5, maxReceiveCount: 5 },
        deps(answer),
      );
      await expect(lastReceive).rejects.toBeInstanceOf(RetryLaterError);
      expect(carrier.submissions(id)).toBe(1);
      expect(await store.get(id)).toMatchObject({ status: "submitting" });

      // The dead-letter consumer, once the lease is over, keeps asking rather than failing it.
      await expect(settleDeadLetter(id, { ...deps(answer), clock: later(61_000) })).rejects.toBeInstanceOf(
        RetryLaterError,
      );
      expect((await store.get(id))?.status).toBe("submitting");

      const accepted = carrier.sim.outbox().find((entry) => entry.reference === id);
      const applied = await applyDeliveryReport(
        {
          carrierId: carrier.carrierId,
          report: {
            reference: id,
            carrierMessageId: accepted?.carrierMessageId ?? "missing",
            status: "delivered",
            doneAt: new Date().toISOString(),
          },
        },
        { store },
      );
      expect(applied).toBe("applied");
      expect(await store.get(id)).toMatchObject({
        status: "delivered",
        carrierMessageId: accepted?.carrierMessageId,
      });
    },
  );

  it("a carrier that says it never got it (the lookup contract's 404) still ends failed on the last receive", async () => {
    const id = await storeMessage({ accountId: account.accountId, to: carrier.number(), text: "refused" });
    carrier.sim.faults.failNextSubmissions = 1;
    const outcome = await dispatchMessage(
      { messageId: id, receiveCount: 5, maxReceiveCount: 5 },
      dispatchDeps(),
    );
    expect(outcome).toBe("failed");
    expect(carrier.submissions(id)).toBe(0);
    expect(await store.get(id)).toMatchObject({ status: "failed", error: { code: "carrier-unavailable" } });
  });
});
