/**
 * Writes the OpenAPI document: `tsx tools/openapi.ts [file]` (stdout without a file). Used by the
 * docs function's bundling step and handy for client generators.
 */
import { writeFileSync } from "node:fs";
import { buildOpenApi } from "../functions/docs/openapi.ts";
import { loadRouteTables } from "../functions/docs/route-tables.ts";
import { catalog } from "../lib/catalog/index.ts";

const { tables, failures } = await loadRouteTables(catalog);
for (const [fn, reason] of failures)
  process.stderr.write(`openapi: ${fn} documented without schemas: ${reason}\n`);
const text = `${JSON.stringify(buildOpenApi(catalog.routes, tables), null, 2)}\n`;
const target = process.argv[2];
if (target) writeFileSync(target, text);
else process.stdout.write(text);
process.exit(0);
