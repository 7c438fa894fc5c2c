import { envNames } from "../../lib/catalog/env.ts";
import { awsSmsCarrierAdapter } from "./aws-sms-adapter.ts";
import { CarrierBreakers, type CircuitBreaker } from "./breaker.ts";
import { httpCarrierAdapter } from "./http-adapter.ts";
import { type CarrierAdapter, type CarrierRoute, TransientCarrierError } from "./model.ts";
import { carrierSecrets } from "./store.ts";

/**
 * The adapter for a carrier route, by protocol, cached per container. A re-registered carrier (new
 * URL, settings or rotated token) gets a new adapter because its cache key changes.
 */
const adapters = new Map<string, { key: string; adapter: CarrierAdapter }>();

/** The container's circuit breakers; dispatch routes around carriers whose breaker is open. */
export const carrierBreakers = new CarrierBreakers();

/** Feeds every submission outcome to the carrier's breaker (transient failures count, refusals do not). */
export function withBreaker(adapter: CarrierAdapter, breaker: CircuitBreaker): CarrierAdapter {
  return {
    async submit(submission) {
      try {
        const accepted = await adapter.submit(submission);
        breaker.recordSuccess();
        return accepted;
      } catch (error) {
        if (error instanceof TransientCarrierError) breaker.recordFailure();
        else breaker.recordSuccess();
        throw error;
      }
    },
    lookup: (reference) => adapter.lookup(reference),
  };
}

function cached(carrierId: string, key: string, build: () => CarrierAdapter): CarrierAdapter {
  const hit = adapters.get(carrierId);
  if (hit?.key === key) return hit.adapter;
  const adapter = withBreaker(build(), carrierBreakers.of(carrierId));
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
