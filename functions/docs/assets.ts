/**
 * What the docs function needs beside its Lambda bundle: the OpenAPI document generated at synth
 * time (handlers of other functions are not in this bundle) and Scalar's standalone script. The CDK
 * construct runs these after bundling the "docs" function (lib/functions-construct.ts functionCode).
 */

/** Pre-generated document beside the Lambda bundle; absent locally, where it is built live. */
export const BUNDLED_SPEC_FILE = "openapi.bundled.json";
/** Scalar's standalone bundle beside the Lambda bundle; locally read from node_modules. */
export const SCALAR_BUNDLE_FILE = "scalar-standalone.js";

export function docsAfterBundlingCommands(inputDir: string, outputDir: string): string[] {
  return [
    `cd "${inputDir}" && npx --no-install tsx tools/openapi.ts "${outputDir}/${BUNDLED_SPEC_FILE}"`,
    `cp "${inputDir}/node_modules/@scalar/api-reference/dist/browser/standalone.js" "${outputDir}/${SCALAR_BUNDLE_FILE}"`,
  ];
}
