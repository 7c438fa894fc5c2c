import { messageEventPayload, verificationEventPayload, webhookEventTypes } from "../webhooks/schemas.ts";
import { jsonSchema } from "./openapi.ts";

type Json = Record<string, unknown>;

const header = (name: string, description: string): Json => ({
  name,
  in: "header",
  required: true,
  description,
  schema: { type: "string" },
});

/**
 * OpenAPI 3.1 `webhooks`: one operation per event type, describing what Textgate POSTs to a
 * registered endpoint (and to a message's callbackUrl): the signed body and the Standard Webhooks
 * headers. Verify with the `standardwebhooks` package (see docs/webhooks.md).
 */
export function webhookOperations(): Json {
  const operations: Json = {};
  for (const type of webhookEventTypes) {
    const schema = type.startsWith("message.") ? messageEventPayload : verificationEventPayload;
    operations[type] = {
      post: {
        summary: `${type} event`,
        description:
          'Signed per Standard Webhooks: verify webhook-signature over "<webhook-id>.<webhook-timestamp>.<body>" with your whsec_ secret, e.g. new Webhook(secret).verify(body, headers) from npm standardwebhooks. Retries keep the same webhook-id; deduplicate on it.',
        parameters: [
          header("webhook-id", "Event id: the same across retries and replays of one event"),
          header("webhook-timestamp", "Seconds since the epoch when this attempt was signed"),
          header(
            "webhook-signature",
            "Space-separated v1,<base64 HMAC-SHA256> entries (two during a secret rotation)",
          ),
        ],
        requestBody: {
          required: true,
          content: { "application/json": { schema: withType(schema, type) } },
        },
        responses: {
          "2XX": { description: "Received: no retry" },
          "410": { description: "Gone: the endpoint is disabled and nothing more is sent to it" },
          default: {
            description:
              "Anything else (or no answer within 5 s) is retried after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h (with jitter); redirects are not followed",
          },
        },
      },
    };
  }
  return operations;
}

/** The payload schema with `type` narrowed to this one event type. */
function withType(schema: typeof messageEventPayload | typeof verificationEventPayload, type: string): Json {
  const json = jsonSchema(schema, "output");
  const properties = typeof json.properties === "object" && json.properties !== null ? json.properties : {};
  return { ...json, properties: { ...properties, type: { const: type } } };
}
