import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CarrierRoute } from "../../functions/carriers/model.ts";
import { dispatchDeps } from "../../functions/dispatch/handler.ts";
import { dispatchMessage } from "../../functions/dispatch/service.ts";
import { dynamoMessageStateStore } from "../../functions/messages/state-store.ts";
import { storeMessage } from "../dispatch/support.ts";
import { createTestAccount, type TestAccount } from "../messages/support.ts";
import { useLocalPlatformEnv } from "../support/env.ts";
import { eventually, type SmppRig, startSmppRig } from "./smpp-support.ts";

useLocalPlatformEnv();

/** A message routed to an SMPP carrier leaves dispatch for the connector's queue and is sent once. */
let rig: SmppRig;
let account: TestAccount;
const store = dynamoMessageStateStore();

beforeAll(async () => {
  [rig, account] = await Promise.all([startSmppRig({}), createTestAccount(["DE"])]);
});
afterAll(async () => {
  await rig?.stop();
});

const smppRoute = (carrierId: string): CarrierRoute => ({
  carrierId,
  name: carrierId,
  protocol: "smpp",
  baseUrl: "",
  tls: true,
  prefixes: ["+49"],
  priority: 1,
  weight: 1,
  enabled: true,
});

describe("dispatch hands SMPP routes to the connector", () => {
  it("queues the message for the connector without claiming it; the connector sends it once", async () => {
    const to = `+4917688${String(Date.now()).slice(-5)}`;
    const id = await storeMessage({ accountId: account.accountId, to, text: "via smpp" });
    const handedOff: string[] = [];
    const deps = {
      ...dispatchDeps(),
      routes: async () => [smppRoute(rig.entry.id)],
      handOffToSmpp: async (messageId: string) => {
        handedOff.push(messageId);
      },
    };
    const input = { messageId: id, receiveCount: 1, maxReceiveCount: 5 };
    // A redelivered dispatch record hands it off again: harmless, the connector claims once.
    expect(await dispatchMessage(input, deps)).toBe("handed-off");
    expect(await dispatchMessage({ ...input, receiveCount: 2 }, deps)).toBe("handed-off");
    expect(handedOff).toEqual([id, id]);
    expect((await store.get(id))?.status).toBe("queued");

    const outcomes = await Promise.all(handedOff.map((messageId) => rig.connector.submit(messageId)));
    // Both copies race: one claims and sends, the other lost the claim or found it sent.
    expect(outcomes.filter((outcome) => outcome === "sent")).toHaveLength(1);
    expect(
      outcomes
        .filter((outcome) => outcome !== "sent")
        .every((o) => o === "retry-later" || o === "done-already"),
    ).toBe(true);
    const message = await eventually(
      () => store.get(id),
      (current) => current?.status === "delivered",
    );
    expect(message?.status).toBe("delivered");
    expect(rig.smsc.delivered(to)).toEqual([{ destination: to, text: "via smpp", parts: 1 }]);
  });
});
