import { randomBytes } from "node:crypto";
import type { Clock } from "../shared/clock.ts";
import { epochSeconds } from "../shared/clock.ts";
import type { Hasher } from "../shared/secrets.ts";
import { issueAccessToken } from "./access-token.ts";
import { createSession, type RefreshReused, rotateRefreshToken } from "./sessions-store.ts";
import type { TokenSigner } from "./signing.ts";
import type { UserRecord } from "./users-store.ts";

/**
 * Token pairs handed to a signed-in user: a 15-minute access JWT and an opaque refresh token
 * (256 bits, stored as a keyed hash, rotated on every use). One login = one session = one family.
 */
export const SESSION_LIFETIME_SECONDS = 12 * 3600;
const REFRESH_PATTERN = /^tgr_[A-Za-z0-9_-]{43}$/;

export interface TokenPair {
  readonly tokenType: "Bearer";
  readonly token: string;
  readonly expiresAt: string;
  readonly refreshToken: string;
  readonly refreshExpiresAt: string;
}

export interface TokenDeps {
  readonly clock: Clock;
  readonly hasher: Hasher;
  readonly signer: TokenSigner;
}

const newRefreshToken = (): string => `tgr_${randomBytes(32).toString("base64url")}`;
export const looksLikeRefreshToken = (token: string): boolean => REFRESH_PATTERN.test(token);

export async function startSession(
  user: UserRecord,
  deps: TokenDeps,
): Promise<TokenPair & { sessionId: string }> {
  const now = deps.clock.now();
  const sessionId = `ses_${randomBytes(16).toString("base64url")}`;
  const refreshToken = newRefreshToken();
  const expiresAt = epochSeconds(now) + SESSION_LIFETIME_SECONDS;
  await createSession(
    {
      sessionId,
      accountId: user.accountId,
      userId: user.userId,
      status: "active",
      createdAt: now.toISOString(),
      expiresAt,
    },
    await deps.hasher.hmac("refresh-token", refreshToken),
  );
  const access = await issueAccessToken(
    { accountId: user.accountId, userId: user.userId, sessionId, role: user.role },
    deps,
  );
  return {
    sessionId,
    tokenType: "Bearer",
    token: access.token,
    expiresAt: access.expiresAt,
    refreshToken,
    refreshExpiresAt: new Date(expiresAt * 1000).toISOString(),
  };
}

export type RefreshResult =
  | {
      readonly kind: "rotated";
      readonly pair: TokenPair;
      readonly accountId: string;
      readonly userId: string;
    }
  | { readonly kind: "invalid" }
  | RefreshReused;

export async function refreshSession(
  refreshToken: string,
  loadUser: (accountId: string, userId: string) => Promise<UserRecord | undefined>,
  deps: TokenDeps,
): Promise<RefreshResult> {
  if (!looksLikeRefreshToken(refreshToken)) return { kind: "invalid" };
  const next = newRefreshToken();
  const outcome = await rotateRefreshToken(
    await deps.hasher.hmac("refresh-token", refreshToken),
    await deps.hasher.hmac("refresh-token", next),
    deps.clock.now(),
  );
  if (outcome.kind !== "rotated") return outcome;
  const { session } = outcome;
  const user = await loadUser(session.accountId, session.userId);
  if (user?.status !== "active") return { kind: "invalid" };
  const access = await issueAccessToken(
    { accountId: user.accountId, userId: user.userId, sessionId: session.sessionId, role: user.role },
    deps,
  );
  return {
    kind: "rotated",
    accountId: user.accountId,
    userId: user.userId,
    pair: {
      tokenType: "Bearer",
      token: access.token,
      expiresAt: access.expiresAt,
      refreshToken: next,
      refreshExpiresAt: new Date(session.expiresAt * 1000).toISOString(),
    },
  };
}
