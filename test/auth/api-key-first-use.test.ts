import { describe, expect, inject, it } from "vitest";
import { getApiKey, listApiKeys } from "../../functions/auth/api-keys.ts";
import { useLocalPlatformEnv } from "../support/env.ts";
import { createAccountWithKey } from "../support/platform.ts";

/**
 * Issue 9.1: the authorizer stamps an API key's last use (UpdateItem on accounts) while the catalogue
 * granted it read only, so on AWS the first request of every key per container was a 500. The local
 * platform now enforces catalogue grants, so this runs under the same refusal AWS would give.
 */
useLocalPlatformEnv();
const api = inject("apiUrl");

describe("an API key's first request through the authorizer", () => {
  it("is authorized and stamps the key's last use under the authorizer's own grants", async () => {
    const { accountId, apiKey } = await createAccountWithKey({
      name: "First use",
      emailTag: "first-use",
      keyName: "fresh",
      scopes: ["read"],
      allowedCountries: ["EE"],
    });
    const response = await fetch(`${api}/v1/messages/msg_01ARZ3NDEKTSV4RRFFQ69G5FAV`, {
      headers: { Authorization: `Bearer ${apiKey}` },
    });
    // Authorized (404: the message does not exist), not a 500 from a refused write.
    expect(response.status).toBe(404);
    const [key] = await listApiKeys(accountId);
    const stored = key ? await getApiKey(accountId, key.keyId) : undefined;
    expect(stored?.lastUsedAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  });
});
