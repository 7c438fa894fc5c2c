import { envNames } from "../../lib/catalog/env.ts";

/**
 * EMF metrics are for CloudWatch; on the local platform (which sets the local keyring) they would
 * only flood the console, so they are off there unless POWERTOOLS_METRICS_DISABLED=false asks.
 */
export function metricsEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  const disabled = env.POWERTOOLS_METRICS_DISABLED;
  if (disabled !== undefined) return disabled.toLowerCase() !== "true";
  return !env[envNames.localKeyring];
}
