/**
 * An operator's test send through one carrier (POST /v1/admin/carriers/{id}/test): to a given
 * number, or to the carrier's configured probe numbers, through THAT carrier (pinned, even while it
 * is disabled, so a new route can be tried before it takes traffic). The messages go the way of the
 * scheduled test sends (quality/test-sends.ts): stored for an account, submitted at once, and their
 * outcome and time to DLR count in the carrier's quality figures.
 */
import type { OperatorCall } from "../../admin/ports.ts";
import type { AuditLog } from "../../audit/port.ts";
import { maskPhone } from "../../shared/mask.ts";
import { DomainError } from "../../shared/problem.ts";
import type { CarrierRoute } from "../model.ts";
import { sendCarrierTestMessages, type TestSendDeps } from "../quality/test-sends.ts";
import { matchedPrefix } from "../router.ts";
import { recordCarrierAction } from "./service.ts";

export interface OperatorTestSendDeps extends Omit<TestSendDeps, "routes"> {
  readonly routes: () => Promise<readonly CarrierRoute[]>;
  readonly audit: AuditLog;
}

export async function sendOperatorTestMessage(
  carrierId: string,
  input: { readonly to?: string; readonly accountId?: string },
  call: OperatorCall,
  deps: OperatorTestSendDeps,
) {
  const route = (await deps.routes()).find((candidate) => candidate.carrierId === carrierId);
  if (!route) throw new DomainError("not-found", `No carrier ${carrierId}`);
  const accountId = input.accountId ?? route.qualityProbe?.accountId;
  const testNumbers = input.to ? [input.to] : route.qualityProbe?.testNumbers;
  if (!accountId || !testNumbers?.length) {
    throw new DomainError(
      "unprocessable-entity",
      `Carrier ${carrierId} has no qualityProbe: give "to" and "accountId" (the account the test message belongs to)`,
    );
  }
  // A number outside the carrier's prefixes would only end as a failed "no-route" message.
  const unserved = testNumbers.filter((number) => matchedPrefix(route.prefixes, number) === undefined);
  if (unserved.length > 0) {
    throw new DomainError(
      "unprocessable-entity",
      `Carrier ${carrierId} does not serve ${unserved.map(maskPhone).join(", ")} (prefixes ${route.prefixes.join(",")})`,
    );
  }
  const pinned: CarrierRoute = { ...route, enabled: true, qualityProbe: { accountId, testNumbers } };
  const results = await sendCarrierTestMessages({ ...deps, routes: async () => [pinned] });
  await recordCarrierAction("carrier.test-sent", carrierId, call, deps, {
    numbers: results.length,
    sent: results.filter((result) => result.outcome !== "error").length,
    accountId,
  });
  return {
    carrierId,
    sends: results.map((result) => ({
      to: maskPhone(result.to),
      ...(result.messageId ? { messageId: result.messageId } : {}),
      outcome: result.outcome,
    })),
  };
}
