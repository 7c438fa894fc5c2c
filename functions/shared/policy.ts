import type { ApiKeyScope, Principal, Role } from "./principal.ts";

/**
 * Who may do what, in one place. Every authorized route in the catalogue names one permission; the
 * authorizer allows a route only if the principal holds it. Deny by default: a permission missing
 * here is allowed to nobody.
 */
export const permissions = {
  "messages:send": { roles: ["owner", "admin", "developer"], scopes: ["send"] },
  "messages:read": { roles: ["owner", "admin", "developer", "billing", "viewer"], scopes: ["read", "send"] },
  "verify:write": { roles: ["owner", "admin", "developer"], scopes: ["verify"] },
  "verify:read": { roles: ["owner", "admin", "developer", "viewer"], scopes: ["verify", "read"] },
  "audit:read": { roles: ["owner", "admin"], scopes: [] },
  "account:read": { roles: ["owner", "admin", "developer", "billing", "viewer"], scopes: [] },
  "session:manage": { roles: ["owner", "admin", "developer", "billing", "viewer"], scopes: [] },
  "users:manage": { roles: ["owner", "admin"], scopes: [] },
  "keys:manage": { roles: ["owner", "admin"], scopes: [] },
  "webhooks:manage": { roles: ["owner", "admin"], scopes: [] },
  /** Account settings such as retention: the owner's decision (issue 13), within operator bounds. */
  "settings:manage": { roles: ["owner"], scopes: [] },
  /** Data-subject exports and erasures: personal data of people outside the account (users only). */
  "privacy:manage": { roles: ["owner", "admin"], scopes: [] },
  /** The signed-in user's own second factors and recovery codes (users only, never API keys). */
  "profile:manage": { roles: ["owner", "admin", "developer", "billing", "viewer"], scopes: [] },
} as const satisfies Record<string, { roles: readonly Role[]; scopes: readonly ApiKeyScope[] }>;

export type Permission = keyof typeof permissions;

export const isPermission = (name: string): name is Permission => Object.hasOwn(permissions, name);

export function isAllowed(principal: Principal, permission: string): boolean {
  if (!isPermission(permission)) return false;
  const rule: { roles: readonly Role[]; scopes: readonly ApiKeyScope[] } = permissions[permission];
  if (principal.type === "user") return principal.role !== undefined && rule.roles.includes(principal.role);
  return principal.scopes.some((scope) => rule.scopes.includes(scope));
}
