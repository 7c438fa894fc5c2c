import type * as z from "zod";

/**
 * Stored items become domain values only through a mapper that looks at every field (as Powertools'
 * DynamoDBPersistenceLayer._getRecord does), never through a cast: a cast lets an item of the wrong
 * shape travel on and fail far away, or worse, be acted on.
 *
 * Each reader parses with a zod schema (zod 4 compiles object schemas: on the message hot path a parse
 * costs about what the cast did) and states with CoversEveryField that the schema names every field
 * of the domain type.
 */

/**
 * A stored item without the shape its reader needs (a required field missing or of another type).
 * The message names the table and the field, never the value: stored values may be phone numbers,
 * ciphertexts or other personal data, and this error is logged. The cause tells what was expected
 * (zod's issues: path, expected type, allowed values), also without the value.
 */
export class MalformedItemError extends Error {
  override name = "MalformedItemError";
  constructor(
    readonly table: string,
    readonly field: string,
    options?: ErrorOptions,
  ) {
    super(`malformed ${table} item: field "${field}" is missing or not of its stored type`, options);
  }
}

/** Parses a stored item with a zod schema; attributes the schema does not name (keys, index keys) drop. */
export function parseStoredItem<Schema extends z.ZodType>(
  table: string,
  schema: Schema,
  item: unknown,
): z.output<Schema> {
  const parsed = schema.safeParse(item);
  if (parsed.success) return parsed.data;
  // zod reports issues without the input (reportInput is off), so the cause is safe to log.
  const field = parsed.error.issues[0]?.path.join(".") || "(item)";
  throw new MalformedItemError(table, field, { cause: parsed.error });
}

/**
 * Compile-time check that a schema's output has every field of the domain type: a field added to the
 * type later (optional ones too) and forgotten in the schema would otherwise drop silently on read.
 * Use as `const complete: CoversEveryField<Domain, z.output<typeof schema>> = true`.
 */
export type CoversEveryField<Domain, Parsed> = [Exclude<keyof Domain, keyof Parsed>] extends [never]
  ? true
  : { readonly missingFromSchema: Exclude<keyof Domain, keyof Parsed> };
