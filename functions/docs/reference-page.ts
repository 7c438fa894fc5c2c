/**
 * The /docs page: Scalar's standalone API reference with the OpenAPI document inlined, so it renders
 * with no network access at all (no CDN, no fonts, no telemetry; CSP allows only our two scripts).
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { SCALAR_BUNDLE_FILE } from "./assets.ts";

function scalarScript(): string | undefined {
  const beside = join(dirname(fileURLToPath(import.meta.url)), SCALAR_BUNDLE_FILE);
  if (existsSync(beside)) return readFileSync(beside, "utf8");
  // Local platform and tests: straight from the installed package.
  try {
    const entry = createRequire(import.meta.url).resolve("@scalar/api-reference");
    return readFileSync(join(dirname(entry), "browser", "standalone.js"), "utf8");
  } catch {
    return undefined;
  }
}

/** Without the Scalar bundle (a deployment that skipped the asset copy) the page still says where the document is. */
const FALLBACK: ReferencePage = {
  html: '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Textgate API reference</title></head><body><h1>Textgate API</h1><p>The interactive reference is not bundled in this deployment. The OpenAPI 3.1 document is at <a href="openapi.json">openapi.json</a>.</p></body></html>',
  contentSecurityPolicy: "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
};

const sha256 = (text: string): string =>
  `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;

/** `</script>` inside inlined JSON would end the script element early. */
const inlineJson = (value: unknown): string => JSON.stringify(value).replaceAll("<", "\\u003c");

export interface ReferencePage {
  readonly html: string;
  readonly contentSecurityPolicy: string;
}

export function referencePage(spec: unknown): ReferencePage {
  const library = scalarScript();
  if (library === undefined) return FALLBACK;
  const boot = `Scalar.createApiReference("#app",${inlineJson({
    content: spec,
    withDefaultFonts: false,
    telemetry: false,
    hideClientButton: true,
    showDeveloperTools: "never",
    persistAuth: false,
  })});`;
  const html = [
    "<!doctype html>",
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    "<title>Textgate API reference</title></head>",
    '<body><div id="app"></div>',
    `<script>${library}</script>`,
    `<script>${boot}</script>`,
    "</body></html>",
  ].join("");
  const contentSecurityPolicy = [
    "default-src 'none'",
    `script-src ${sha256(library)} ${sha256(boot)}`,
    // Scalar injects its stylesheet and sets inline styles at run time.
    "style-src 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src data:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
  return { html, contentSecurityPolicy };
}
