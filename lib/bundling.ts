/**
 * esbuild settings shared by the CDK functions (lib/functions-construct.ts) and the bundle
 * benchmarks (bench/bundles.ts), so the figures describe what is deployed.
 */
import { resolve } from "node:path";
import type { BuildOptions } from "esbuild";

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

/** The Lambda handler file every bundle starts from (`index.handler`). */
export const HANDLER_FILE = "index.mjs";

/**
 * How every function is bundled, in one place for the CDK asset and the bench.
 *
 * Code splitting: a module reached only through `import()` (the Encryption SDK behind
 * functions/shared/crypto.ts, the SDK's rarely used helpers) becomes its own file in the asset,
 * read and evaluated by that import() on first use, instead of being parsed with index.mjs at every
 * cold start. Modules both sides need go to shared chunks that index.mjs imports statically, so
 * nothing is shipped or evaluated twice. A dynamically imported file keeps its export names, so
 * plain node can load it on its own (test/infra/bundling.test.ts does, to encrypt with it).
 *
 * Bundles everything, AWS SDK v3 included (less the credential sources above): the SDK in the
 * managed runtime changes under us without notice, while a bundled, minified, tree-shaken SDK is the
 * exact version the tests ran against and its cold-start cost is fixed and measurable. No source
 * maps at runtime: NODE_OPTIONS=--enable-source-maps costs start-up time on every cold start.
 */
export function functionBuildOptions(projectRoot: string, entry: string, outdir: string): BuildOptions {
  return {
    entryPoints: { index: resolve(projectRoot, entry) },
    outdir,
    outExtension: { ".js": ".mjs" },
    chunkNames: "[name]-[hash]",
    bundle: true,
    splitting: true,
    platform: "node",
    target: "node22",
    format: "esm",
    mainFields: ["module", "main"],
    banner: { js: ESM_REQUIRE_BANNER },
    minify: true,
    sourcemap: false,
    external: [...UNUSED_IN_LAMBDA_MODULES],
    tsconfig: resolve(projectRoot, "tsconfig.json"),
    logLevel: "warning",
  };
}
