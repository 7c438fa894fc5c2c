import { envNames } from "../../lib/catalog/env.ts";
import { awsSmsCarrierAdapter } from "./aws-sms-adapter.ts";
import { httpCarrierAdapter } from "./http-adapter.ts";
import type { CarrierAdapter, CarrierRoute } from "./model.ts";
import { carrierSecrets } from "./store.ts";

/**
 * The adapter for a carrier route, by protocol, cached per container. A re-registered carrier (new
 * URL, settings or rotated token) gets a new adapter because its cache key changes.
 */
const adapters = new Map<string, { key: string; adapter: CarrierAdapter }>();

function cached(carrierId: string, key: string, build: () => CarrierAdapter): CarrierAdapter {
  const hit = adapters.get(carrierId);
  if (hit?.key === key) return hit.adapter;
  const adapter = build();
  adapters.set(carrierId, { key, adapter });
  return adapter;
}

export async function adapterFor(route: CarrierRoute): Promise<CarrierAdapter> {
  if (route.protocol === "aws-sms") {
    // No secrets: the function role signs. Events only reach us through the stage's configuration set.
    const configurationSetName =
      route.awsSms?.configurationSetName ?? process.env[envNames.smsConfigurationSet];
    const settings = { ...route.awsSms, ...(configurationSetName ? { configurationSetName } : {}) };
    return cached(route.carrierId, JSON.stringify([route.baseUrl, settings]), () =>
      awsSmsCarrierAdapter({
        carrierId: route.carrierId,
        settings,
        ...(route.baseUrl ? { endpoint: route.baseUrl } : {}),
      }),
    );
  }
  const secrets = await carrierSecrets(route.carrierId);
  if (!secrets) throw new Error(`carrier ${route.carrierId} has no secrets`);
  return cached(route.carrierId, `${route.baseUrl} ${secrets.apiToken}`, () =>
    httpCarrierAdapter({ baseUrl: route.baseUrl, apiToken: secrets.apiToken }),
  );
}
