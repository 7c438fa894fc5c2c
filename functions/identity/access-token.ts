import type { Principal } from "../shared/principal.ts";

/**
 * Verifies a user access token (ES256 JWT) and returns its principal, or undefined.
 * Placeholder until the identity capability (issue 5) lands: no user token is accepted yet.
 */
export async function verifyAccessToken(_token: string): Promise<Principal | undefined> {
  return undefined;
}
