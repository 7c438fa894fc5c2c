import { logger } from "../../shared/logger.ts";
import type { CarrierRoute } from "../model.ts";

/**
 * Proactive test sends (issue 10 §5): on a schedule, one message per operator-configured test
 * number of each enabled carrier, through THAT carrier (the route is pinned, not ranked), so a
 * carrier's delivery is measured even when routing sends it no customer traffic. The messages go
 * the normal way afterwards — their submit outcome, delivery report, time to DLR and error codes
 * land in the carrier's quality figures like any other message's.
 */
export interface TestSendDeps {
  readonly routes: () => Promise<readonly CarrierRoute[]>;
  /** Stores the message (owned by the probe account) without queueing it; returns its id. */
  readonly accept: (input: { accountId: string; to: string; text: string; tag: string }) => Promise<string>;
  /** Submits the stored message through exactly this route. */
  readonly dispatchThrough: (messageId: string, route: CarrierRoute) => Promise<string>;
  readonly now: () => Date;
}

export interface TestSendResult {
  readonly carrierId: string;
  /** The test number (E.164; mask it before it leaves the function). */
  readonly to: string;
  readonly messageId?: string;
  readonly outcome: string;
}

export const TEST_SEND_TAG = "carrier-quality-probe";

export async function sendCarrierTestMessages(deps: TestSendDeps): Promise<TestSendResult[]> {
  const routes = (await deps.routes()).filter((route) => route.enabled && route.qualityProbe);
  const results: TestSendResult[] = [];
  for (const route of routes) {
    const probe = route.qualityProbe;
    if (!probe) continue;
    for (const to of probe.testNumbers) {
      let messageId: string | undefined;
      try {
        messageId = await deps.accept({
          accountId: probe.accountId,
          to,
          text: `Textgate carrier test ${route.carrierId} ${deps.now().toISOString()}`,
          tag: `${TEST_SEND_TAG}:${route.carrierId}`,
        });
        const outcome = await deps.dispatchThrough(messageId, route);
        results.push({ carrierId: route.carrierId, to, messageId, outcome });
      } catch (error) {
        // One carrier's (or number's) trouble must not stop the others' test sends.
        logger.warn("carrier test send failed", {
          carrierId: route.carrierId,
          messageId,
          error: String(error),
        });
        results.push({
          carrierId: route.carrierId,
          to,
          ...(messageId ? { messageId } : {}),
          outcome: "error",
        });
      }
    }
  }
  return results;
}
