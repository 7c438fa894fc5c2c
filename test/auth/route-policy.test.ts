import { describe, expect, it } from "vitest";
import { policyFor } from "../../functions/auth/authorizer-policy.ts";
import { isAllowed, isPermission, permissions } from "../../functions/shared/policy.ts";
import { type Principal, type Role, roles } from "../../functions/shared/principal.ts";
import { catalog } from "../../lib/catalog/index.ts";

/**
 * Deny by default, proven over the whole catalogue: every authorized route names a permission that
 * exists in policy.ts, and every public route is one somebody decided to make public (this list).
 * Adding a public route means adding it here, in review.
 */
const PUBLIC_ROUTES = new Set([
  "GET /health",
  "GET /openapi.json",
  "GET /docs",
  "GET /status",
  "GET /status.json",
  // Carrier callbacks authenticate with a Standard Webhooks signature.
  "POST /v1/carriers/{carrierId}/dlr",
  // Sign-in: the credentials are in the body.
  "POST /v1/auth/login",
  "POST /v1/auth/mfa",
  "POST /v1/auth/mfa/sms",
  "POST /v1/auth/refresh",
  // Authenticated by the single-use invitation token in the body.
  "POST /v1/account/invitations/accept",
]);

const key = (route: { method: string; path: string }) => `${route.method} ${route.path}`;

describe("route policy coverage", () => {
  it("every authorized route has a permission that exists in policy.ts", () => {
    const authorized = catalog.routes.filter((route) => route.auth === "authorized");
    expect(authorized.length).toBeGreaterThan(10);
    for (const route of authorized) {
      expect(route.permission, key(route)).toBeDefined();
      expect(isPermission(route.permission ?? ""), `${key(route)} → ${route.permission}`).toBe(true);
    }
  });

  it("every public route is on the explicit allow-list", () => {
    for (const route of catalog.routes.filter((r) => r.auth === "public" && !r.localOnly)) {
      expect(PUBLIC_ROUTES.has(key(route)), `${key(route)} is public but not on the allow-list`).toBe(true);
    }
  });

  it("no public route carries a permission (it would never be checked)", () => {
    for (const route of catalog.routes.filter((r) => r.auth === "public")) {
      expect(route.permission, key(route)).toBeUndefined();
    }
  });

  it("every permission is granted to at least one role or scope, and owner holds all of them", () => {
    for (const [name, rule] of Object.entries(permissions)) {
      expect(rule.roles.length + rule.scopes.length, name).toBeGreaterThan(0);
      expect((rule.roles as readonly Role[]).includes("owner"), name).toBe(true);
    }
  });

  it("identity administration is for owners and admins only, and never for API keys", () => {
    const user = (role: Role): Principal => ({
      accountId: "acc_1",
      principalId: "usr_1",
      type: "user",
      role,
      scopes: [],
    });
    const allScopes: Principal = {
      accountId: "acc_1",
      principalId: "key_1",
      type: "apiKey",
      scopes: ["send", "verify", "read"],
    };
    for (const permission of ["users:manage", "keys:manage", "audit:read"]) {
      for (const role of roles) {
        expect(isAllowed(user(role), permission), `${role} ${permission}`).toBe(
          role === "owner" || role === "admin",
        );
      }
      expect(isAllowed(allScopes, permission)).toBe(false);
    }
    for (const permission of ["session:manage", "profile:manage"]) {
      expect(isAllowed(allScopes, permission)).toBe(false);
    }
  });

  it("the authorizer's policy for a viewer does not include sending", () => {
    const arn = "arn:aws:execute-api:eu-central-1:123456789012:api/prod/GET/v1/account/me";
    const viewer: Principal = {
      accountId: "acc_1",
      principalId: "usr_1",
      type: "user",
      role: "viewer",
      scopes: [],
    };
    const resources = policyFor(viewer, arn).Statement.flatMap((s) =>
      s.Effect === "Allow" ? s.Resource : [],
    );
    expect(resources.some((r) => r.endsWith("/POST/v1/messages"))).toBe(false);
    expect(resources.some((r) => r.endsWith("/GET/v1/account/me"))).toBe(true);
    expect(resources.some((r) => r.endsWith("/POST/v1/auth/logout"))).toBe(true);
  });
});
