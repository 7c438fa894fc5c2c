import * as z from "zod";

/** Who is calling, as the authorizer put it into requestContext.authorizer (string values only). */
export const roles = ["owner", "admin", "developer", "billing", "viewer"] as const;
export type Role = (typeof roles)[number];
export const apiKeyScopes = ["send", "verify", "read"] as const;
export type ApiKeyScope = (typeof apiKeyScopes)[number];

export interface Principal {
  readonly accountId: string;
  /** API key id (key_…) or user id (usr_…). */
  readonly principalId: string;
  readonly type: "apiKey" | "user";
  readonly role?: Role;
  readonly scopes: readonly ApiKeyScope[];
  /** Token id for user sessions, used by logout. */
  readonly sessionId?: string;
}

/**
 * The principal that created a stored item (message, verification), written in the same write that
 * creates it, so an incident exposure query can name what one API key or user created. Items from
 * before this field existed have none: "unknown principal".
 */
export interface CreatedBy {
  readonly type: "apiKey" | "user";
  /** API key id (key_…) or user id (usr_…). */
  readonly id: string;
}

/** CreatedBy as stored on an item (messages, verifications), for the readers that parse them. */
export const storedCreatedBy = z.object({ type: z.enum(["apiKey", "user"]), id: z.string() });

export const createdByOf = (principal: Pick<Principal, "type" | "principalId">): CreatedBy => ({
  type: principal.type,
  id: principal.principalId,
});

const authorizerContext = z.object({
  accountId: z.string().min(1),
  principalId: z.string().min(1),
  principalType: z.enum(["apiKey", "user"]),
  role: z.enum(roles).optional(),
  scopes: z.string().optional(),
  sessionId: z.string().optional(),
});

/** API Gateway flattens the authorizer context to strings; this reads it back. */
export function principalFromContext(context: unknown): Principal | undefined {
  const parsed = authorizerContext.safeParse(context);
  if (!parsed.success) return undefined;
  const { accountId, principalId, principalType, role, scopes, sessionId } = parsed.data;
  const scopeList = (scopes ?? "")
    .split(" ")
    .filter((s): s is ApiKeyScope => (apiKeyScopes as readonly string[]).includes(s));
  return {
    accountId,
    principalId,
    type: principalType,
    scopes: scopeList,
    ...(role ? { role } : {}),
    ...(sessionId ? { sessionId } : {}),
  };
}

/** The inverse, for the authorizer: flat string values only. */
export function principalToContext(principal: Principal): Record<string, string> {
  return {
    accountId: principal.accountId,
    principalId: principal.principalId,
    principalType: principal.type,
    scopes: principal.scopes.join(" "),
    ...(principal.role ? { role: principal.role } : {}),
    ...(principal.sessionId ? { sessionId: principal.sessionId } : {}),
  };
}
