/**
 * fast-check arbitraries from JSON Schema (the subset zod's toJSONSchema emits): values that satisfy
 * the schema ("valid-ish": patterns and formats are honoured where fast-check can) and mutations
 * that break it in the ways clients do.
 */
import fc from "fast-check";

export type JsonSchema = Record<string, unknown>;

const num = (value: unknown): number | undefined => (typeof value === "number" ? value : undefined);

function stringArbitrary(schema: JsonSchema): fc.Arbitrary<string> {
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as string[]));
  const minLength = num(schema.minLength) ?? 0;
  const maxLength = Math.min(num(schema.maxLength) ?? 64, 256);
  switch (schema.format) {
    case "date-time":
      return fc
        .date({
          min: new Date("2020-01-01T00:00:00Z"),
          max: new Date("2035-01-01T00:00:00Z"),
          noInvalidDate: true,
        })
        .map((d) => d.toISOString());
    case "email":
      return fc.constantFrom("a@example.com", "dev+fuzz@textgate.local", "x.y@sub.example.org");
    case "uri":
      return fc.webUrl({ validSchemes: ["https"] });
    case "uuid":
      return fc.uuid();
  }
  if (typeof schema.pattern === "string") {
    try {
      return fc
        .stringMatching(new RegExp(schema.pattern))
        .filter((s) => s.length >= minLength && s.length <= Math.max(maxLength, minLength));
    } catch {
      // A pattern fast-check can't generate from: fall through to plain strings.
    }
  }
  return fc.string({ minLength, maxLength: Math.max(minLength, maxLength) });
}

function numberArbitrary(schema: JsonSchema, integer: boolean): fc.Arbitrary<number> {
  const min = num(schema.minimum) ?? (num(schema.exclusiveMinimum) ?? -1e6) + (integer ? 1 : 0);
  const max = num(schema.maximum) ?? (num(schema.exclusiveMaximum) ?? 1e6) - (integer ? 1 : 0);
  return integer ? fc.integer({ min, max }) : fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
}

/** A value that satisfies `schema` as far as the generator can tell. */
export function validValue(schema: JsonSchema | undefined, depth = 0): fc.Arbitrary<unknown> {
  if (!schema || depth > 4) return fc.constant(null);
  if ("const" in schema) return fc.constant(schema.const);
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]));
  const union = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  if (union?.length) return fc.oneof(...union.map((s) => validValue(s, depth + 1)));
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case "string":
      return stringArbitrary(schema);
    case "integer":
      return numberArbitrary(schema, true);
    case "number":
      return numberArbitrary(schema, false);
    case "boolean":
      return fc.boolean();
    case "null":
      return fc.constant(null);
    case "array": {
      const minLength = num(schema.minItems) ?? 0;
      const maxLength = Math.min(num(schema.maxItems) ?? 5, 10);
      return fc.array(validValue(schema.items as JsonSchema, depth + 1), { minLength, maxLength });
    }
    case "object":
      return validObject(schema, depth);
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

function validObject(schema: JsonSchema, depth: number): fc.Arbitrary<Record<string, unknown>> {
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((schema.required ?? []) as string[]);
  const record: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [name, property] of Object.entries(properties)) record[name] = validValue(property, depth + 1);
  return fc.record(record, {
    requiredKeys: Object.keys(properties).filter((name) => required.has(name)),
  }) as fc.Arbitrary<Record<string, unknown>>;
}

/** Values clients send by mistake or malice, whatever the field's type. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1e308, -0, "", " ", "null", "undefined", "NaN", [], {}, "0x1F"),
  fc.string({ unit: "binary", maxLength: 64 }),
  fc.string({ unit: "grapheme", maxLength: 64 }),
  fc.constantFrom(
    "+".repeat(40),
    "\u0000\u0001\u0002",
    "\u202Eevil\u202C",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a log4shell-style probe, on purpose.
    "${jndi:ldap://x}",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "../../../../etc/passwd",
    "{{7*7}}",
    "%00%0d%0a",
    "🙂".repeat(200),
    "a".repeat(5000),
  ),
  fc.integer(),
  fc.double(),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 5 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
  fc.constant({ __proto__: { polluted: true } }),
  fc.constant(JSON.parse('{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}}}')),
);

/** A body derived from a valid one: one field wrong-typed, missing, unknown or replaced wholesale. */
export function mutatedBody(schema: JsonSchema | undefined): fc.Arbitrary<unknown> {
  const properties = Object.keys((schema?.properties ?? {}) as Record<string, JsonSchema>);
  const base = validValue(schema ?? { type: "object" }) as fc.Arbitrary<Record<string, unknown>>;
  const field = properties.length > 0 ? fc.constantFrom(...properties) : fc.constant("to");
  return fc.oneof(
    fc.tuple(base, field, hostileValue).map(([body, name, value]) => ({ ...body, [name]: value })),
    fc.tuple(base, field).map(([body, name]) => {
      const copy = { ...body };
      delete copy[name];
      return copy;
    }),
    fc
      .tuple(base, fc.string({ minLength: 1, maxLength: 20 }), hostileValue)
      .map(([body, name, value]) => ({ ...body, [name]: value })),
    hostileValue,
    fc.array(base, { maxLength: 3 }),
  );
}
