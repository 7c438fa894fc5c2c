import type * as z from "zod";
import { envNames } from "../../lib/catalog/env.ts";

/**
 * Function configuration, parsed from env once per container. Env names come from the catalogue,
 * so CDK and the local platform set exactly what this reads.
 */
export const tableName = (id: string): string => requireEnv(envNames.table(id));
export const queueUrl = (id: string): string => requireEnv(envNames.queueUrl(id));
export const keyArn = (id: string): string | undefined => process.env[envNames.keyArn(id)];

function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`configuration: ${name} is not set`);
  return value;
}

/** Parses a group of env values with a zod schema and fails fast with the names that are wrong. */
export function loadConfig<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const names = parsed.error.issues.map((issue) => issue.path.join(".")).join(", ");
    throw new Error(`configuration: invalid or missing ${names}`);
  }
  return parsed.data;
}
