/**
 * HTTP requests for fuzzing, generated from the OpenAPI document: well-formed calls with values from
 * each operation's schemas, and the ways they go wrong (mutated fields, malformed JSON, wrong
 * content types, oversized bodies, odd methods and paths, bad credentials).
 */
import fc from "fast-check";
import { hostileValue, type JsonSchema, mutatedBody, validValue } from "./schema-arbitrary.ts";

export interface FuzzRequest {
  readonly kind: string;
  /** The operation aimed at ("POST /v1/messages") or "stray". */
  readonly target: string;
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

interface Parameter {
  readonly name: string;
  readonly in: "path" | "query" | "header";
  readonly required?: boolean;
  readonly schema?: JsonSchema;
}

interface Operation {
  readonly method: string;
  readonly path: string;
  readonly parameters: readonly Parameter[];
  readonly body: JsonSchema | undefined;
}

export function operationsOf(spec: Record<string, unknown>): Operation[] {
  const paths = spec.paths as Record<string, Record<string, Record<string, unknown>>>;
  return Object.entries(paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => {
      const content = (op.requestBody as { content?: Record<string, { schema?: JsonSchema }> } | undefined)
        ?.content;
      return {
        method: method.toUpperCase(),
        path,
        parameters: (op.parameters ?? []) as Parameter[],
        body: content?.["application/json"]?.schema,
      };
    }),
  );
}

/** Header values must be visible ASCII for fetch to send them at all. */
const headerSafe = fc.string({
  unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)),
  maxLength: 80,
});

const idLike = fc.oneof(
  fc.stringMatching(/^(msg|ver|key|usr|acc)_[0-9A-HJKMNP-TV-Z]{26}$/),
  fc.string({ minLength: 1, maxLength: 40 }),
  hostileValue.map((v) => asText(v)).filter((s) => s.length > 0),
);

/** `credentials`: an API key and, when there is one, a user's access token (account routes need a user). */
function authHeader(credentials: readonly string[]): fc.Arbitrary<Record<string, string>> {
  const apiKey = credentials[0] ?? "";
  return fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(...credentials).map((c) => ({ Authorization: `Bearer ${c}` })) },
    { weight: 1, arbitrary: fc.constant({}) },
    {
      weight: 1,
      arbitrary: fc.oneof(
        headerSafe.map((s) => ({ Authorization: `Bearer ${s}` })),
        headerSafe.map((s) => ({ Authorization: s })),
        fc.constant({ Authorization: "Basic ZGVtbzpkZW1v" }),
        fc.constant({ Authorization: "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0." }),
        fc.constant({ Authorization: `Bearer ${apiKey.slice(0, -2)}xx` }),
      ),
    },
  );
}

const asText = (value: unknown): string =>
  typeof value === "string" ? value : (JSON.stringify(value) ?? "undefined");

function pathWith(op: Operation, values: Record<string, unknown>): string {
  return op.path.replace(/\{([^}]+)\}/g, (_, name: string) =>
    encodeURIComponent(asText(values[name] ?? "x")),
  );
}

function queryString(entries: Record<string, unknown>): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(entries)) {
    if (value !== undefined) params.set(name, asText(value));
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}

function paramValues(
  op: Operation,
  where: "path" | "query",
  hostile: boolean,
): fc.Arbitrary<Record<string, unknown>> {
  const record: Record<string, fc.Arbitrary<unknown>> = {};
  const required: string[] = [];
  for (const p of op.parameters.filter((param) => param.in === where)) {
    const valid = where === "path" && !p.schema?.pattern ? idLike : validValue(p.schema);
    record[p.name] = hostile ? fc.oneof(valid, hostileValue) : valid;
    if (p.required) required.push(p.name);
  }
  return fc.record(record, { requiredKeys: required }) as fc.Arbitrary<Record<string, unknown>>;
}

function operationRequest(op: Operation, credentials: readonly string[]): fc.Arbitrary<FuzzRequest> {
  const json = (body: unknown) => JSON.stringify(body);
  const bodies: { weight: number; arbitrary: fc.Arbitrary<[string, string | undefined, string]> }[] = [
    {
      weight: 4,
      arbitrary: validValue(op.body ?? { type: "object" }).map((b) => ["valid", json(b), "application/json"]),
    },
    {
      weight: 4,
      arbitrary: mutatedBody(op.body).map((b) => ["mutated", json(b) ?? "null", "application/json"]),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(validValue(op.body ?? { type: "object" }), fc.nat()).map(([b, cut]) => {
        const text = json(b) ?? "{}";
        return [
          "malformed-json",
          `${text.slice(0, cut % Math.max(1, text.length))}\u0000{`,
          "application/json",
        ];
      }),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          validValue(op.body ?? { type: "object" }),
          fc.constantFrom(
            "text/plain",
            "application/xml",
            "multipart/form-data; boundary=x",
            "application/json-patch+json",
            "",
            "application/JSON; charset=utf-16",
          ),
        )
        .map(([b, type]) => ["content-type", json(b), type]),
    },
    {
      weight: 1,
      arbitrary: fc
        .integer({ min: 60_000, max: 200_000 })
        .map((n) => ["huge", json({ to: "+37255512345", text: "x".repeat(n) }), "application/json"]),
    },
  ];
  return fc
    .tuple(
      fc.oneof(...bodies),
      paramValues(op, "path", true),
      fc.oneof(
        paramValues(op, "query", false),
        paramValues(op, "query", true),
        fc.dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 20 }), { maxKeys: 3 }),
      ),
      authHeader(credentials),
      fc.option(fc.oneof(fc.stringMatching(/^[A-Za-z0-9_.:-]{8,40}$/), headerSafe), { nil: undefined }),
    )
    .map(([[kind, body, contentType], pathValues, query, auth, idempotencyKey]) => {
      const sendsBody = op.method !== "GET" && op.method !== "DELETE";
      return {
        kind: op.body ? kind : sendsBody ? kind : "valid",
        target: `${op.method} ${op.path}`,
        method: op.method,
        path: pathWith(op, pathValues) + queryString(query),
        headers: {
          ...auth,
          ...(sendsBody && contentType ? { "Content-Type": contentType } : {}),
          ...(idempotencyKey ? { "Idempotency-Key": idempotencyKey } : {}),
        },
        ...(sendsBody && body !== undefined ? { body } : {}),
      };
    });
}

/** Requests aimed at nothing in particular: odd methods, paths, traversal, encodings. */
function strayRequest(credentials: readonly string[]): fc.Arbitrary<FuzzRequest> {
  const segment = fc.oneof(
    fc.constantFrom(
      "v1",
      "v2",
      "messages",
      "..",
      "%2e%2e",
      "%00",
      "_local",
      "outbox",
      "health",
      "docs",
      "",
      "%ff",
      "admin",
      ".env",
    ),
    fc.stringMatching(/^[A-Za-z0-9._~-]{1,20}$/),
  );
  return fc
    .tuple(
      fc.constantFrom("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD", "PROPFIND"),
      fc.array(segment, { minLength: 0, maxLength: 6 }),
      authHeader(credentials),
      fc.option(fc.string({ maxLength: 200 }), { nil: undefined }),
    )
    .map(([method, segments, auth, body]) => ({
      kind: "stray",
      target: "stray",
      method,
      path: `/${segments.join("/")}`,
      headers: { ...auth, ...(body !== undefined ? { "Content-Type": "application/json" } : {}) },
      ...(body !== undefined && method !== "GET" && method !== "HEAD" ? { body } : {}),
    }));
}

export function fuzzRequests(
  spec: Record<string, unknown>,
  credentials: readonly string[],
): fc.Arbitrary<FuzzRequest> {
  const ops = operationsOf(spec);
  return fc.oneof(
    { weight: 9, arbitrary: fc.oneof(...ops.map((op) => operationRequest(op, credentials))) },
    { weight: 1, arbitrary: strayRequest(credentials) },
  );
}
