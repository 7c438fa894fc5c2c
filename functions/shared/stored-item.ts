import type * as z from "zod";

/**
 * Stored items become domain values only through a mapper that looks at every field (as Powertools'
 * DynamoDBPersistenceLayer._getRecord does), never through a cast: a cast lets an item of the wrong
 * shape travel on and fail far away, or worse, be acted on.
 *
 * Two ways, one error:
 *   - parseStoredItem: a zod schema, for items read now and then (carriers, verifications);
 *   - mapStoredItem: typed field readers, for items on the hot path of every SMS (messages), where a
 *     schema parse per read is not wanted. Its reader table names every field of the domain type, so
 *     a field added to the type without a reader does not compile.
 */

/**
 * A stored item without the shape its reader needs (a required field missing or of another type).
 * The message names the table and the field, never the value: stored values may be phone numbers,
 * ciphertexts or other personal data, and this error is logged. The cause tells what was expected
 * (zod's issues, or the field reader's expectation), also without the value.
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

/** What a field reader expected; `path` is the field's place inside a nested value. Holds no value. */
class FieldTypeError extends Error {
  override name = "FieldTypeError";
  constructor(
    readonly expected: string,
    readonly received: string,
    readonly path: readonly string[] = [],
  ) {
    super(`expected ${expected}, received ${received}`);
  }
  within(field: string): FieldTypeError {
    return new FieldTypeError(this.expected, this.received, [field, ...this.path]);
  }
}

/** Reads one attribute of a stored item; throws FieldTypeError when it is not of the type. */
export type FieldReader<T> = (value: unknown) => T;

/** One reader per field of T, optional fields included (`-?`): the table is exhaustive. */
export type ItemReaders<T> = { readonly [Field in keyof T]-?: FieldReader<T[Field]> };

const kindOf = (value: unknown): string =>
  value === null ? "null" : Array.isArray(value) ? "array" : value instanceof Set ? "set" : typeof value;

const isObject = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Set);

function readFields<T>(readers: ItemReaders<T>, item: Readonly<Record<string, unknown>>): T {
  const mapped: Record<string, unknown> = {};
  for (const [field, read] of Object.entries<FieldReader<unknown>>(readers)) {
    let value: unknown;
    try {
      value = read(item[field]);
    } catch (error) {
      throw error instanceof FieldTypeError ? error.within(field) : error;
    }
    // Absent optional fields stay absent (not present-but-undefined), as the item had them.
    if (value !== undefined) mapped[field] = value;
  }
  // Every field of T went through its own typed reader above (ItemReaders<T> names each one), and
  // nothing else was copied: this is the one place the mapped object is declared a T.
  return mapped as T;
}

/** Maps a stored item field by field; the first unreadable field throws MalformedItemError. */
export function mapStoredItem<T>(
  table: string,
  readers: ItemReaders<T>,
  item: Readonly<Record<string, unknown>>,
): T {
  try {
    return readFields(readers, item);
  } catch (error) {
    if (!(error instanceof FieldTypeError)) throw error;
    throw new MalformedItemError(table, error.path.join("."), { cause: error });
  }
}

export const text: FieldReader<string> = (value) => {
  if (typeof value !== "string") throw new FieldTypeError("a string", kindOf(value));
  return value;
};

export const finiteNumber: FieldReader<number> = (value) => {
  if (typeof value !== "number" || !Number.isFinite(value))
    throw new FieldTypeError("a number", kindOf(value));
  return value;
};

export const flag: FieldReader<boolean> = (value) => {
  if (typeof value !== "boolean") throw new FieldTypeError("a boolean", kindOf(value));
  return value;
};

/**
 * One of a closed set of strings (a status, an enum): the union's const array, or a record with every
 * value of the union as a key (`{ otp: true, … } satisfies Record<Priority, true>` cannot miss one).
 */
export const oneOf = <Value extends string>(
  values: readonly Value[] | Readonly<Record<Value, true>>,
): FieldReader<Value> => {
  const allowed = new Set<string>(Array.isArray(values) ? values : Object.keys(values));
  const isAllowed = (value: unknown): value is Value => typeof value === "string" && allowed.has(value);
  const expected = `one of ${[...allowed].join("|")}`;
  return (value) => {
    if (!isAllowed(value)) {
      throw new FieldTypeError(expected, typeof value === "string" ? "another string" : kindOf(value));
    }
    return value;
  };
};

/**
 * An attribute that older items lack (or that only some states have): absent reads as undefined.
 * DynamoDB NULL reads as absent too; any other value must be of the type.
 */
export const optional =
  <T>(read: FieldReader<T>): FieldReader<T | undefined> =>
  (value) =>
    value === undefined || value === null ? undefined : read(value);

/** A map attribute read with its own readers; errors name the nested field ("price.amount"). */
export const nested =
  <T>(readers: ItemReaders<T>): FieldReader<T> =>
  (value) => {
    if (!isObject(value)) throw new FieldTypeError("a map", kindOf(value));
    return readFields(readers, value);
  };
