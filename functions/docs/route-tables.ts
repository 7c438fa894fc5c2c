/**
 * Loads each function's route table (`handler.routes`) by importing the catalogue entry, so the
 * OpenAPI document reads the very schemas the handlers parse with.
 */
import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Catalog } from "../../lib/catalog/index.ts";
import type { RouteHandler } from "../shared/http.ts";
import type { RouteTables } from "./openapi.ts";

export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

export interface LoadedRouteTables {
  readonly tables: RouteTables;
  /** Function ids whose entry is missing or failed to import (documented without schemas). */
  readonly failures: ReadonlyMap<string, string>;
}

export async function loadRouteTables(catalog: Catalog, root = projectRoot): Promise<LoadedRouteTables> {
  const tables = new Map<string, Readonly<Record<string, RouteHandler>>>();
  const failures = new Map<string, string>();
  const functionIds = [...new Set(catalog.routes.map((route) => route.function))];
  for (const id of functionIds) {
    const fn = catalog.functions.find((candidate) => candidate.id === id);
    const entry = fn ? resolve(root, fn.entry) : undefined;
    if (!entry || !existsSync(entry)) {
      failures.set(id, "entry not written yet");
      continue;
    }
    try {
      const mod = (await import(pathToFileURL(entry).href)) as { handler?: { routes?: unknown } };
      const routes = mod.handler?.routes;
      if (routes && typeof routes === "object") tables.set(id, routes as Record<string, RouteHandler>);
      else failures.set(id, "handler has no .routes (not built with httpHandler)");
    } catch (error) {
      failures.set(id, `import failed: ${(error as Error).message}`);
    }
  }
  return { tables, failures };
}
