import * as z from "zod";
import { apiKeyScopes } from "../shared/principal.ts";

/**
 * An API key as its account sees it (never the secret or its hash). Also the base of the stored key
 * item's schema (api-keys.ts), so the two cannot drift; kept apart from identity/schemas.ts because
 * that one validates phone numbers, which the authorizer's bundle must not carry.
 */
export const apiKeyView = z.object({
  keyId: z.string(),
  name: z.string(),
  prefix: z.string(),
  scopes: z.array(z.enum(apiKeyScopes)),
  ipAllowList: z.array(z.string()),
  status: z.enum(["active", "revoked"]),
  createdAt: z.string(),
  lastUsedAt: z.string().optional(),
});
