import { randomUUID } from "node:crypto";
import type { CarrierRoute } from "../carriers/model.ts";
import { chooseRoute, matchedPrefix } from "../carriers/router.ts";
import type { StoredMessage, SubmissionLease } from "../messages/model.ts";
import { openField } from "../messages/sealed.ts";
import type { DispatchDeps } from "./service.ts";

// Route choice and submission leases of the dispatcher (functions/dispatch/service.ts).

/** A chosen route and the prefix of it that matched the destination (for the quality figures). */
export interface Routed {
  readonly route: CarrierRoute;
  readonly routePrefix: string | undefined;
}

/**
 * The plaintext destination: routing needs its prefix and the carrier the number. Decrypted once per
 * record (it was once for routing and again for the submit) and handed on, never logged or stored.
 */
export const openDestination = (
  message: StoredMessage,
  deps: Pick<DispatchDeps, "cipher">,
): Promise<string> =>
  openField(
    deps.cipher,
    { accountId: message.accountId, messageId: message.id, field: "to" },
    message.toCipher,
  );

export async function pickRoute(
  message: StoredMessage,
  to: string,
  deps: Pick<DispatchDeps, "routes" | "carrierAvailable">,
  exceptCarrier?: string,
): Promise<Routed | undefined> {
  const usable = (await deps.routes()).filter(
    (route) => route.carrierId !== exceptCarrier && (deps.carrierAvailable?.(route.carrierId) ?? true),
  );
  const route = chooseRoute(usable, { to, requireTls: message.requireTls });
  return route ? { route, routePrefix: matchedPrefix(route.prefixes, to) } : undefined;
}

export function newLease(
  { route, routePrefix }: Routed,
  attempt: number,
  deps: Pick<DispatchDeps, "newSubmissionId" | "clock" | "leaseMs">,
): SubmissionLease {
  return {
    id: (deps.newSubmissionId ?? randomUUID)(),
    carrierId: route.carrierId,
    leaseUntil: deps.clock.now().getTime() + deps.leaseMs,
    attempt,
    ...(routePrefix !== undefined ? { routePrefix } : {}),
  };
}
