import {
  type ApiKey,
  CreateApiKeyCommand,
  type CreateApiKeyCommandOutput,
  CreateUsagePlanKeyCommand,
  DeleteApiKeyCommand,
  GetApiKeysCommand,
  type GetApiKeysCommandOutput,
  GetUsagePlansCommand,
  type GetUsagePlansCommandOutput,
} from "@aws-sdk/client-api-gateway";
import type { UsagePlanKeys } from "./usage-plan-keys.ts";

/**
 * UsagePlanKeys on API Gateway. IAM (lib/function-grants.ts, grant usagePlan "manage"):
 *   GET /usageplans, GET /apikeys, POST /apikeys, POST /usageplans/{id}/keys, DELETE /apikeys/{id}.
 */

/** The one method used; APIGatewayClient satisfies it, unit tests pass a small fake. */
export interface ApiGatewaySender {
  send(command: object): Promise<unknown>;
}

export interface ApiGatewayUsagePlanKeysOptions {
  readonly client: ApiGatewaySender;
  /** Name of the stage's usage plan (lib/catalog/env.ts usagePlanName). */
  readonly planName: string;
  /** The API Gateway key name register() was given for a value (usageKeyName). */
  readonly keyName: (value: string) => string;
}

const PAGE = 500;

const named = (error: unknown, name: string): boolean =>
  error instanceof Error && (error.name === name || (error as { Code?: string }).Code === name);

export function apiGatewayUsagePlanKeys(options: ApiGatewayUsagePlanKeysOptions): UsagePlanKeys {
  const { client } = options;
  // Looked up once per container: the plan never changes id while the stack exists.
  let planId: Promise<string> | undefined;

  const usagePlanId = (): Promise<string> => {
    planId ??= findPlanId().catch((error: unknown) => {
      planId = undefined;
      throw error;
    });
    return planId;
  };

  async function findPlanId(): Promise<string> {
    let position: string | undefined;
    do {
      const page = (await client.send(
        new GetUsagePlansCommand({ limit: PAGE, ...(position ? { position } : {}) }),
      )) as GetUsagePlansCommandOutput;
      const plan = page.items?.find((item) => item.name === options.planName);
      if (plan?.id) return plan.id;
      position = page.position;
    } while (position);
    throw new Error(`usage plan "${options.planName}" not found`);
  }

  /** Keys named exactly `name` (nameQuery is a prefix match), values included. */
  async function keysNamed(name: string): Promise<ApiKey[]> {
    const found: ApiKey[] = [];
    let position: string | undefined;
    do {
      const page = (await client.send(
        new GetApiKeysCommand({
          nameQuery: name,
          includeValues: true,
          limit: PAGE,
          ...(position ? { position } : {}),
        }),
      )) as GetApiKeysCommandOutput;
      for (const key of page.items ?? []) if (key.name === name && key.id) found.push(key);
      position = page.position;
    } while (position);
    return found;
  }

  /** Creates the API Gateway key, or after a retry (value already taken) finds the one we made. */
  async function createOrFindKey(value: string, name: string): Promise<string> {
    try {
      const created = (await client.send(
        new CreateApiKeyCommand({ name, value, enabled: true }),
      )) as CreateApiKeyCommandOutput;
      if (created.id) return created.id;
      throw new Error("CreateApiKey returned no id");
    } catch (error) {
      if (!named(error, "ConflictException")) throw error;
      const existing = (await keysNamed(name)).find((key) => key.value === value);
      if (!existing?.id) throw new Error(`an API Gateway key with this value exists under another name`);
      return existing.id;
    }
  }

  return {
    async register(value, name) {
      const plan = await usagePlanId();
      const keyId = await createOrFindKey(value, name);
      try {
        await client.send(new CreateUsagePlanKeyCommand({ usagePlanId: plan, keyId, keyType: "API_KEY" }));
      } catch (error) {
        // Already in the plan: an earlier attempt got this far.
        if (!named(error, "ConflictException")) throw error;
      }
    },

    async unregister(value) {
      const keys = (await keysNamed(options.keyName(value))).filter((key) => key.value === value);
      for (const key of keys) {
        try {
          // Deleting the key also removes it from every usage plan.
          await client.send(new DeleteApiKeyCommand({ apiKey: key.id }));
        } catch (error) {
          if (!named(error, "NotFoundException")) throw error;
        }
      }
    },
  };
}
