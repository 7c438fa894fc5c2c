/**
 * The Idempotency-Key request header, in both forms clients send:
 *   - bare:   `Idempotency-Key: 8e03978e-40d5-43e8-bc93-6894a57f9324` (Stripe and most SDKs)
 *   - quoted: `Idempotency-Key: "8e03978e-40d5-43e8-bc93-6894a57f9324"` — draft-ietf-httpapi-
 *     idempotency-key-header defines the field as an RFC 8941 structured-field String.
 * Both name the SAME key: the quoted form is decoded (`\"` and `\\` escapes) to its content.
 * A key is 8–255 printable ASCII characters; control characters and non-ASCII are refused.
 * (No structured-field parser is installed, and only the String item is needed here.)
 */
export const MIN_IDEMPOTENCY_KEY_LENGTH = 8;
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

export const IDEMPOTENCY_KEY_RULE = `must be ${MIN_IDEMPOTENCY_KEY_LENGTH}-${MAX_IDEMPOTENCY_KEY_LENGTH} printable ASCII characters, bare or as a quoted structured-field string`;

/** OpenAPI pattern for the header: a bare key (not starting with a quote) or a quoted string of 8–255 characters. */
export const IDEMPOTENCY_KEY_PATTERN = String.raw`^(?:[\x21\x23-\x7E][\x20-\x7E]{7,254}|"(?:[\x20\x21\x23-\x5B\x5D-\x7E]|\\["\\]){8,255}")$`;

const PRINTABLE = /^[\x20-\x7E]*$/;

export type IdempotencyKeyParse = { readonly ok: true; readonly key: string } | { readonly ok: false };

/** RFC 8941 §4.2.5: DQUOTE *( %x20-21 / %x23-5B / %x5D-7E / "\" ( DQUOTE / "\" ) ) DQUOTE. */
function parseStructuredString(value: string): string | undefined {
  let content = "";
  for (let i = 1; i < value.length; i++) {
    const char = value[i] as string;
    if (char === "\\") {
      const escaped = value[i + 1];
      if (escaped !== '"' && escaped !== "\\") return undefined;
      content += escaped;
      i++;
    } else if (char === '"') {
      // The closing quote must end the field (parameters are not part of this header's value).
      return i === value.length - 1 ? content : undefined;
    } else {
      content += char;
    }
  }
  return undefined; // no closing quote
}

/** Parses a raw header value (surrounding whitespace is optional whitespace, as in HTTP). */
export function parseIdempotencyKey(raw: string): IdempotencyKeyParse {
  const value = raw.trim();
  if (!PRINTABLE.test(value)) return { ok: false };
  const key = value.startsWith('"') ? parseStructuredString(value) : value;
  if (key === undefined) return { ok: false };
  if (key.length < MIN_IDEMPOTENCY_KEY_LENGTH || key.length > MAX_IDEMPOTENCY_KEY_LENGTH)
    return { ok: false };
  return { ok: true, key };
}
