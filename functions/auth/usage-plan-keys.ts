import { envNames, physicalName } from "../../lib/catalog/env.ts";

/**
 * Registration of usage identifiers with the API Gateway usage plan.
 *
 * Authorized methods are `apiKeyRequired` with API key source AUTHORIZER: the authorizer returns a
 * usageIdentifierKey (from the API key id `key_…` for API-key callers, the account id `acc_…` for
 * users; see usageIdentifier)
 * and API Gateway refuses the call with 403 unless that string is the VALUE of an API Gateway API key
 * in the stage's usage plan. These values are not secrets (they only pick the throttle bucket; the
 * authorizer is what authenticates), so they can be stored in API Gateway in the clear.
 */
export interface UsagePlanKeys {
  /** Creates an API Gateway API key with this value and adds it to the plan; safe to retry. */
  register(value: string, name: string): Promise<void>;
  /** Deletes the API Gateway API key registered for this value; a missing key is not an error. */
  unregister(value: string): Promise<void>;
}

/**
 * The usageIdentifierKey (= API Gateway key value) for a key id or account id. API Gateway documents
 * key values as alphanumeric, 20–128 characters, so the separator goes: "key_01H…" → "key01H…" (29
 * characters; the "key"/"acc" prefixes keep the two kinds apart). The authorizer returns exactly this.
 */
export const usageIdentifier = (id: string): string => id.replace(/[^A-Za-z0-9]/g, "");

/**
 * The API Gateway key name for a value: deterministic, so unregister(value) can find it by name,
 * and stage-prefixed so an operator sees which deployment a key belongs to.
 */
export const usageKeyName = (value: string, env: NodeJS.ProcessEnv = process.env): string =>
  physicalName(env[envNames.stage] ?? "local", value);

/**
 * Offline stand-in. The local gateway (local/api-gateway.ts) throttles on the usageIdentifierKey
 * directly and keeps no key registry, and there is no API Gateway emulator to register with, so
 * locally there is nothing to do: the local gateway itself is the "registry".
 */
export const localUsagePlanKeys: UsagePlanKeys = {
  async register() {},
  async unregister() {},
};

/**
 * Chosen like functions/shared/crypto.ts chooses its keyring: the local platform sets
 * TEXTGATE_LOCAL_KEYRING, AWS never does. The AWS SDK client is imported lazily, so functions that
 * only read keys (the authorizer) never load it.
 */
export async function selectUsagePlanKeys(env: NodeJS.ProcessEnv = process.env): Promise<UsagePlanKeys> {
  if (env[envNames.localKeyring]) return localUsagePlanKeys;
  const planName = env[envNames.usagePlanName];
  if (!planName) {
    throw new Error(
      `configuration: ${envNames.usagePlanName} is not set (catalogue grant usagePlan: "manage")`,
    );
  }
  const { apiGatewayUsagePlanKeys } = await import("./usage-plan-keys-aws.ts");
  const { APIGatewayClient } = await import("@aws-sdk/client-api-gateway");
  return apiGatewayUsagePlanKeys({
    client: new APIGatewayClient({ maxAttempts: 4 }),
    planName,
    keyName: (value) => usageKeyName(value, env),
  });
}

let shared: Promise<UsagePlanKeys> | undefined;

/** The container-wide adapter (built on first use; a failed build is retried on the next call). */
export function usagePlanKeys(): Promise<UsagePlanKeys> {
  shared ??= selectUsagePlanKeys().catch((error: unknown) => {
    shared = undefined;
    throw error;
  });
  return shared;
}

/** Registers the usage identifier of a key id or account id (what creation paths call). */
export const registerUsageIdentifier = (keys: UsagePlanKeys, id: string): Promise<void> => {
  const value = usageIdentifier(id);
  return keys.register(value, usageKeyName(value));
};

export const unregisterUsageIdentifier = (keys: UsagePlanKeys, id: string): Promise<void> =>
  keys.unregister(usageIdentifier(id));

/** The env-selected adapter behind the plain interface (resolved on first call): the default port. */
export const envUsagePlanKeys: UsagePlanKeys = {
  register: async (value, name) => (await usagePlanKeys()).register(value, name),
  unregister: async (value) => (await usagePlanKeys()).unregister(value),
};
