/**
 * What the global setup provides, and the one call a store-level integration test makes to point
 * functions/shared/aws.ts (and config.ts) at the shared emulators:
 *
 *   import { inject } from "vitest";
 *   import { useLocalPlatformEnv } from "../support/env.ts";
 *   useLocalPlatformEnv(); // top of the file, before the first dynamoClient()/sqsClient() call
 *   const api = inject("apiUrl");
 */
import { inject } from "vitest";

export interface DemoAccount {
  readonly accountId: string;
  readonly apiKey: string;
  readonly email: string;
  readonly password: string;
}

declare module "vitest" {
  export interface ProvidedContext {
    /** Base URL of the local API gateway, e.g. http://127.0.0.1:41234 */
    apiUrl: string;
    /** `${apiUrl}/_local/outbox` — GET ?to=+372… lists what the simulated carrier received. */
    outboxUrl: string;
    /** The seeded demo account (null only if seeding was switched off). */
    demo: DemoAccount | null;
    /** Operator IAM credentials the local gateway accepts on /v1/admin routes (also in local.json). */
    operator: { accessKeyId: string; secretAccessKey: string; arn: string };
    dynamodbEndpoint: string;
    sqsEndpoint: string;
    carrierSimUrl: string | null;
    /** The simulated AWS End User Messaging SMS endpoint (PinpointSMSVoiceV2 JSON protocol). */
    awsSmsSimUrl: string | null;
    /** AWS_ENDPOINT_URL_*, AWS_REGION, dummy credentials, TABLE_*, QUEUE_*_URL, TEXTGATE_LOCAL_KEYRING, TEXTGATE_STAGE */
    platformEnv: Record<string, string>;
    /** TEXTGATE_HOME of the test platform (temp dir, removed after the run). */
    textgateHome: string;
  }
}

/** Copies the platform env into this worker's process.env; returns it for convenience. */
export function useLocalPlatformEnv(): Record<string, string> {
  const env = inject("platformEnv");
  if (!env) throw new Error("no local platform in this run (TEXTGATE_TEST_PLATFORM=0?)");
  Object.assign(process.env, env);
  return env;
}

/** The demo account, failing loudly if the platform was started without one. */
export function demoAccount(): DemoAccount {
  const demo = inject("demo");
  if (!demo) throw new Error("the test platform has no demo account");
  return demo;
}
