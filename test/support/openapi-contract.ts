/**
 * Checks real responses against the OpenAPI document the platform serves (GET /openapi.json): finds
 * the operation for (method, concrete path), picks the response by status (or `default`) and media
 * type, validates the body with a JSON Schema 2020-12 validator (Ajv) resolving the document's $refs,
 * and checks required headers (Retry-After on 429). Generic: any route with schemas is covered.
 */
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormatsPlugin from "ajv-formats";

type Json = Record<string, unknown>;

interface ResponseObject {
  readonly content?: Record<string, { readonly schema?: Json }>;
  readonly headers?: Record<string, { readonly required?: boolean; readonly schema?: Json }>;
}

interface Operation {
  readonly method: string;
  readonly template: string;
  readonly matcher: RegExp;
  readonly params: number;
  readonly responses: Record<string, ResponseObject>;
}

/** What the checker needs of a response; `body` is the raw text. */
export interface ObservedResponse {
  readonly method: string;
  /** The concrete request path, query string allowed (e.g. /v1/messages/msg_01H...?x=1). */
  readonly path: string;
  readonly status: number;
  readonly headers: Headers;
  readonly body: string;
}

const SPEC_ID = "https://textgate.test/openapi.json";

type FormatsPlugin = (ajv: Ajv2020) => unknown;
// ajv-formats is CommonJS: under Node ESM the default import is its exports object, whose `default` is the plugin.
const addFormats: FormatsPlugin =
  (addFormatsPlugin as unknown as { default?: FormatsPlugin }).default ??
  (addFormatsPlugin as unknown as FormatsPlugin);

/** JSON Pointer segment inside a URI fragment (RFC 6901 + percent-encoding). */
const pointerSegment = (segment: string): string =>
  encodeURIComponent(segment.replaceAll("~", "~0").replaceAll("/", "~1"));

const templateMatcher = (template: string): RegExp =>
  new RegExp(
    `^${template
      .split(/(\{[^}]+\})/)
      .map((part) => (part.startsWith("{") ? "[^/]+" : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
      .join("")}$`,
  );

const isJsonMediaType = (mediaType: string): boolean =>
  mediaType === "application/json" || mediaType.endsWith("+json");

export class OpenApiContract {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
  private readonly operations: Operation[] = [];
  private readonly validators = new Map<string, ValidateFunction>();
  /** "METHOD template status" of every response checked, for coverage reports. */
  readonly covered = new Set<string>();

  constructor(readonly document: Json) {
    addFormats(this.ajv);
    this.ajv.addSchema(document, SPEC_ID);
    const paths = (document.paths ?? {}) as Record<string, Record<string, Json>>;
    for (const [template, item] of Object.entries(paths)) {
      for (const [method, operation] of Object.entries(item)) {
        this.operations.push({
          method: method.toUpperCase(),
          template,
          matcher: templateMatcher(template),
          params: (template.match(/\{/g) ?? []).length,
          responses: (operation.responses ?? {}) as Record<string, ResponseObject>,
        });
      }
    }
    // A literal segment wins over a parameter (e.g. /v1/account/invitations/accept vs /{id}).
    this.operations.sort((a, b) => a.params - b.params);
  }

  /** Fetches the document once from a running platform. */
  static async load(apiUrl: string): Promise<OpenApiContract> {
    const response = await fetch(`${apiUrl}/openapi.json`);
    if (!response.ok) throw new Error(`GET /openapi.json answered ${response.status}`);
    return new OpenApiContract((await response.json()) as Json);
  }

  /** The documented operation for a method and concrete path. */
  operationFor(method: string, path: string): Operation | undefined {
    const bare = path.split("?")[0] ?? path;
    return this.operations.find((op) => op.method === method.toUpperCase() && op.matcher.test(bare));
  }

  /** Human-readable contract violations of one response (empty = it matches the document). */
  violations(res: ObservedResponse): string[] {
    const label = `${res.method} ${res.path} → ${res.status}`;
    const operation = this.operationFor(res.method, res.path);
    if (!operation) return [`${label}: no operation in the document`];
    const statusKey = String(res.status);
    const declared = operation.responses[statusKey]
      ? statusKey
      : operation.responses.default
        ? "default"
        : "";
    if (!declared) return [`${label}: status not documented for ${operation.method} ${operation.template}`];
    this.covered.add(`${operation.method} ${operation.template} ${res.status}`);
    const response = operation.responses[declared] as ResponseObject;
    return [
      ...this.headerViolations(response, res.headers),
      ...this.bodyViolations(operation, declared, response, res),
    ].map((violation) => `${label}: ${violation}`);
  }

  private headerViolations(response: ResponseObject, headers: Headers): string[] {
    const out: string[] = [];
    for (const [name, header] of Object.entries(response.headers ?? {})) {
      const value = headers.get(name);
      if (value === null) {
        if (header.required) out.push(`required header ${name} missing`);
        continue;
      }
      if (header.schema?.type === "integer" && !/^\d+$/.test(value))
        out.push(`header ${name} "${value}" is not an integer`);
    }
    return out;
  }

  private bodyViolations(
    operation: Operation,
    declared: string,
    response: ResponseObject,
    res: ObservedResponse,
  ): string[] {
    const content = response.content;
    if (!content || Object.keys(content).length === 0) {
      return res.body === "" ? [] : ["body sent where the document declares none"];
    }
    const mediaType = (res.headers.get("content-type") ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
    const media = content[mediaType];
    if (!media) return [`Content-Type "${mediaType}" not documented (${Object.keys(content).join(", ")})`];
    if (!media.schema || !isJsonMediaType(mediaType)) return [];
    let body: unknown;
    try {
      body = JSON.parse(res.body);
    } catch {
      return ["body is not JSON"];
    }
    const validate = this.validator(operation, declared, mediaType);
    if (validate(body)) return [];
    return (validate.errors ?? []).map(
      (error) =>
        `body${error.instancePath} ${error.message ?? "is invalid"}${error.params ? ` ${JSON.stringify(error.params)}` : ""}`,
    );
  }

  private validator(operation: Operation, status: string, mediaType: string): ValidateFunction {
    const pointer = [
      "paths",
      operation.template,
      operation.method.toLowerCase(),
      "responses",
      status,
      "content",
      mediaType,
      "schema",
    ]
      .map(pointerSegment)
      .join("/");
    const ref = `${SPEC_ID}#/${pointer}`;
    let validate = this.validators.get(ref);
    if (!validate) {
      validate = this.ajv.compile({ $ref: ref });
      this.validators.set(ref, validate);
    }
    return validate;
  }
}

/**
 * An extra fuzz invariant: answers of documented operations match the document. Requests to paths or
 * methods the document does not have, and HEAD (no body), are judged by the fuzz's own checks.
 */
export const documentedAnswers =
  (contract: OpenApiContract) =>
  (
    request: { readonly method: string; readonly path: string },
    res: { readonly status: number; readonly headers: Headers; readonly body: string },
  ): string[] =>
    request.method !== "HEAD" && contract.operationFor(request.method, request.path)
      ? contract.violations({ method: request.method, path: request.path, ...res })
      : [];
