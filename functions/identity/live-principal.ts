import type { Clock } from "../shared/clock.ts";
import { isAllowed, type Permission } from "../shared/policy.ts";
import type { Principal } from "../shared/principal.ts";
import { DomainError } from "../shared/problem.ts";
import { storeSessionLookup } from "./access-token.ts";

export type UserPrincipal = Principal & { readonly type: "user"; readonly sessionId: string };

/**
 * Identity routes re-read the session and the user's current role from the store (uncached) instead
 * of trusting the authorizer's cached result: a logged-out, disabled or demoted user cannot manage
 * users, keys or factors even inside the authorizer cache's 30 s.
 */
export async function requireLiveUser(
  principal: Principal | undefined,
  permission: Permission,
  clock: Clock,
): Promise<UserPrincipal> {
  if (!principal) throw new DomainError("unauthorized");
  if (principal.type !== "user" || !principal.sessionId) {
    throw new DomainError("forbidden", "This action needs a signed-in user, not an API key");
  }
  const state = await storeSessionLookup(clock)(
    principal.accountId,
    principal.principalId,
    principal.sessionId,
  );
  if (!state) throw new DomainError("unauthorized", "The session has ended; sign in again");
  const live = { ...principal, role: state.role, sessionId: principal.sessionId, type: "user" as const };
  if (!isAllowed(live, permission))
    throw new DomainError("forbidden", "Your role does not allow this action");
  return live;
}

/**
 * For routes that spend money or change data outside identity (send, verifications): a user token
 * is checked like on identity routes (live session, current role, uncached), so logout, disabling or
 * demotion stop it at once (OWASP ASVS V7.4.1), not after the authorizer's 30 s result cache. API
 * keys keep the authorizer's result: a revoked key can work for up to 30 s (documented in the README).
 */
export async function requireLiveCaller(
  principal: Principal | undefined,
  permission: Permission,
  clock: Clock,
): Promise<Principal> {
  if (!principal) throw new DomainError("unauthorized");
  if (principal.type === "apiKey") return principal;
  return requireLiveUser(principal, permission, clock);
}
