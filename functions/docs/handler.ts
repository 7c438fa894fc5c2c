import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as z from "zod";
import { catalog } from "../../lib/catalog/index.ts";
import { htmlPage, httpHandler, route } from "../shared/http.ts";
import { BUNDLED_SPEC_FILE } from "./assets.ts";
import { buildOpenApi } from "./openapi.ts";
import { type ReferencePage, referencePage } from "./reference-page.ts";
import { loadRouteTables } from "./route-tables.ts";

let spec: Promise<Record<string, unknown>> | undefined;
let page: Promise<ReferencePage> | undefined;

function loadSpec(): Promise<Record<string, unknown>> {
  spec ??= (async () => {
    const bundled = join(dirname(fileURLToPath(import.meta.url)), BUNDLED_SPEC_FILE);
    if (existsSync(bundled)) return JSON.parse(readFileSync(bundled, "utf8")) as Record<string, unknown>;
    const { tables } = await loadRouteTables(catalog);
    return buildOpenApi(catalog.routes, tables);
  })();
  spec.catch(() => {
    spec = undefined;
  });
  return spec;
}

/** The document's outline; its content is whatever the generator built (passed through unchanged). */
const openApiDocument = z.looseObject({
  openapi: z.string(),
  info: z.looseObject({ title: z.string(), version: z.string() }),
  paths: z.record(z.string(), z.unknown()),
});

// Public documents: caching is fine (nothing per caller); Cache-Control overrides the chain's no-store.
const PUBLIC_CACHE = "public, max-age=300";

export const handler = httpHandler({
  "GET /openapi.json": route({
    responses: { 200: openApiDocument },
    run: async () => ({ status: 200, body: await loadSpec(), headers: { "Cache-Control": PUBLIC_CACHE } }),
  }),
  "GET /docs": route({
    responses: { 200: htmlPage },
    run: async () => {
      page ??= loadSpec().then(referencePage);
      const { html, contentSecurityPolicy } = await page;
      return {
        status: 200,
        rawBody: html,
        headers: {
          "Content-Type": "text/html; charset=utf-8",
          "Content-Security-Policy": contentSecurityPolicy,
          "Cache-Control": PUBLIC_CACHE,
        },
      };
    },
  }),
});
