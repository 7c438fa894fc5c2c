import { describe, expect, it } from "vitest";
import { policyFor } from "../../functions/auth/authorizer-policy.ts";
import { isAllowed, isPermission } from "../../functions/shared/policy.ts";
import type { Principal } from "../../functions/shared/principal.ts";
import { catalog } from "../../lib/catalog/index.ts";

const user = (role: Principal["role"]): Principal => ({
  accountId: "acc_1",
  principalId: "usr_1",
  type: "user",
  role,
  scopes: [],
});
const key = (scopes: Principal["scopes"]): Principal => ({
  accountId: "acc_1",
  principalId: "key_1",
  type: "apiKey",
  scopes,
});

describe("access policy", () => {
  it("every authorized route names a permission that exists (deny by default otherwise)", () => {
    for (const route of catalog.routes.filter((r) => r.auth === "authorized")) {
      expect(route.permission, `${route.method} ${route.path}`).toBeDefined();
      expect(isPermission(route.permission ?? ""), `${route.method} ${route.path}`).toBe(true);
    }
  });

  it("a viewer cannot send; a developer can; an unknown permission is denied to everyone", () => {
    expect(isAllowed(user("viewer"), "messages:send")).toBe(false);
    expect(isAllowed(user("developer"), "messages:send")).toBe(true);
    expect(isAllowed(user("owner"), "no:such")).toBe(false);
  });

  it("API keys act only within their scopes", () => {
    expect(isAllowed(key(["send"]), "messages:send")).toBe(true);
    expect(isAllowed(key(["read"]), "messages:send")).toBe(false);
    expect(isAllowed(key(["send", "verify", "read"]), "audit:read")).toBe(false);
  });

  it("the authorizer policy lists exactly the allowed routes, with path parameters as wildcards", () => {
    const arn = "arn:aws:execute-api:eu-central-1:123456789012:api123/prod/POST/v1/messages";
    const policy = policyFor(key(["read"]), arn);
    const resources = policy.Statement.flatMap((s) => (s.Effect === "Allow" ? s.Resource : []));
    expect(resources).toContain(
      "arn:aws:execute-api:eu-central-1:123456789012:api123/prod/GET/v1/messages/*",
    );
    expect(resources).not.toContain(
      "arn:aws:execute-api:eu-central-1:123456789012:api123/prod/POST/v1/messages",
    );
  });
});
