/**
 * esbuild settings shared by the CDK functions (lib/functions-construct.ts) and the bundle
 * benchmarks (bench/bundles.ts), so the figures describe what is deployed.
 */

/** CommonJS dependencies inside an ESM bundle need require(). */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __textgateCreateRequire } from 'node:module'; const require = __textgateCreateRequire(import.meta.url);";

/**
 * Credential sources Lambda never reaches: the runtime hands every function its role credentials
 * in environment variables, so the SDK's default chain stops at fromEnv and never imports these.
 * Left out of the bundle (about 90 KB each); should one ever be asked for, the nodejs22.x runtime's
 * own SDK copy answers the import.
 */
export const UNUSED_IN_LAMBDA_MODULES: readonly string[] = [
  "@aws-sdk/credential-provider-ini",
  "@aws-sdk/credential-provider-process",
  "@aws-sdk/credential-provider-sso",
  "@aws-sdk/credential-provider-web-identity",
  "@aws-sdk/credential-provider-login",
  "@aws-sdk/credential-provider-http",
  "@aws-sdk/token-providers",
  "@aws-sdk/client-sso",
  "@aws-sdk/client-sso-oidc",
  "@aws-sdk/nested-clients",
  "@smithy/credential-provider-imds",
];
