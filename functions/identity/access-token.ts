import { randomUUID } from "node:crypto";
import { decodeProtectedHeader, jwtVerify } from "jose";
import * as z from "zod";
import { envNames } from "../../lib/catalog/env.ts";
import { type Clock, epochSeconds, systemClock } from "../shared/clock.ts";
import { idPattern } from "../shared/ids.ts";
import type { Principal, Role } from "../shared/principal.ts";
import { getSession } from "./sessions-store.ts";
import { type TokenSigner, tokenSigner } from "./signing.ts";
import { accountIsActive, getUser } from "./users-store.ts";

/**
 * User access tokens: ES256 JWTs (RFC 9068 profile, typ "at+jwt"), 15 minutes. Issued once per
 * login/refresh (one KMS Sign); verified with the cached public key (no KMS call per request).
 * Verification is strict: one algorithm, our kid only, no key-carrying or critical headers, and the
 * session must still be live in the store (cached briefly so revocation lands within 60 s even
 * behind the authorizer's 30 s result cache).
 */
export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;
export const AUDIENCE = "urn:textgate:api";
const CLOCK_TOLERANCE_SECONDS = 5;
/** Authorizer result cache (30 s) + this ≤ 60 s: a disabled user or revoked session loses access in time. */
export const SESSION_CACHE_MS = 25_000;
const ALLOWED_ALGORITHMS = ["ES256"];
/** Headers that would let a token choose its own key, or demand extensions we do not implement. */
const FORBIDDEN_HEADERS = ["jku", "jwk", "x5u", "x5c", "x5t", "x5t#S256", "crit"];

export const tokenIssuer = (env: NodeJS.ProcessEnv = process.env): string =>
  `urn:textgate:${env[envNames.stage] ?? "local"}`;

const b64url = (value: Uint8Array | string): string => Buffer.from(value).toString("base64url");

export interface AccessTokenSubject {
  readonly accountId: string;
  readonly userId: string;
  readonly sessionId: string;
  readonly role: Role;
}

export async function issueAccessToken(
  subject: AccessTokenSubject,
  deps: { signer?: TokenSigner; clock?: Clock } = {},
): Promise<{ token: string; expiresAt: string }> {
  const signer = deps.signer ?? tokenSigner();
  const now = epochSeconds((deps.clock ?? systemClock).now());
  const header = { alg: "ES256", typ: "at+jwt", kid: await signer.kid() };
  const payload = {
    iss: tokenIssuer(),
    aud: AUDIENCE,
    sub: subject.userId,
    acc: subject.accountId,
    sid: subject.sessionId,
    role: subject.role,
    jti: randomUUID(),
    iat: now,
    nbf: now,
    exp: now + ACCESS_TOKEN_TTL_SECONDS,
  };
  const signingInput = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  const signature = await signer.sign(Buffer.from(signingInput, "ascii"));
  return {
    token: `${signingInput}.${b64url(signature)}`,
    expiresAt: new Date(payload.exp * 1000).toISOString(),
  };
}

/** Live state of a session: the user's current role, or undefined when revoked/disabled/expired. */
export type SessionState = { readonly role: Role } | undefined;
export type SessionLookup = (accountId: string, userId: string, sessionId: string) => Promise<SessionState>;

/** Reads the session and the user (strongly consistent). Identity handlers use it uncached. */
export const storeSessionLookup =
  (clock: Clock = systemClock): SessionLookup =>
  async (accountId, userId, sessionId) => {
    const [session, user, accountActive] = await Promise.all([
      getSession(accountId, sessionId, clock.now()),
      getUser(accountId, userId),
      // An operator's suspension (or closure) ends every session of the account at once.
      accountIsActive(accountId),
    ]);
    if (session?.status !== "active" || session.userId !== userId) return undefined;
    if (user?.status !== "active" || !accountActive) return undefined;
    return { role: user.role };
  };

const sessionCache = new Map<string, { state: SessionState; expiresAt: number }>();
const SESSION_CACHE_MAX = 10_000;

/** Drops a session from this container's cache (logout, disable) so it is re-read at once here. */
export function forgetSession(sessionId: string): void {
  sessionCache.delete(sessionId);
}

export function cachedSessionLookup(
  lookup: SessionLookup,
  ttlMs = SESSION_CACHE_MS,
  now: () => number = Date.now,
): SessionLookup {
  return async (accountId, userId, sessionId) => {
    const hit = sessionCache.get(sessionId);
    if (hit && hit.expiresAt > now()) return hit.state;
    const state = await lookup(accountId, userId, sessionId);
    if (sessionCache.size >= SESSION_CACHE_MAX) sessionCache.clear();
    sessionCache.set(sessionId, { state, expiresAt: now() + ttlMs });
    return state;
  };
}

const claimsSchema = z.object({
  sub: z.string().regex(idPattern("usr")),
  acc: z.string().regex(idPattern("acc")),
  sid: z.string().min(16).max(64),
});

export interface VerifyDeps {
  readonly signer: TokenSigner;
  readonly sessions: SessionLookup;
  readonly clock: Clock;
}

let defaultDeps: VerifyDeps | undefined;
const verifyDefaults = (): VerifyDeps => {
  defaultDeps ??= {
    signer: tokenSigner(),
    sessions: cachedSessionLookup(storeSessionLookup()),
    clock: systemClock,
  };
  return defaultDeps;
};

/** Verifies a user access token and returns its principal, or undefined for anything wrong. */
export async function verifyAccessToken(
  token: string,
  deps: VerifyDeps = verifyDefaults(),
): Promise<Principal | undefined> {
  let header: Record<string, unknown>;
  try {
    header = decodeProtectedHeader(token) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (FORBIDDEN_HEADERS.some((name) => Object.hasOwn(header, name))) return undefined;
  if (header.alg !== "ES256" || header.typ !== "at+jwt") return undefined;
  if (header.kid !== (await deps.signer.kid())) return undefined;
  let payload: unknown;
  try {
    ({ payload } = await jwtVerify(token, await deps.signer.publicKey(), {
      algorithms: ALLOWED_ALGORITHMS,
      issuer: tokenIssuer(),
      audience: AUDIENCE,
      typ: "at+jwt",
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      maxTokenAge: ACCESS_TOKEN_TTL_SECONDS + CLOCK_TOLERANCE_SECONDS,
      requiredClaims: ["exp", "nbf", "iat", "sub", "jti"],
      currentDate: deps.clock.now(),
    }));
  } catch {
    return undefined;
  }
  const claims = claimsSchema.safeParse(payload);
  if (!claims.success) return undefined;
  const { sub, acc, sid } = claims.data;
  const state = await deps.sessions(acc, sub, sid);
  if (!state) return undefined;
  return { accountId: acc, principalId: sub, type: "user", role: state.role, scopes: [], sessionId: sid };
}
