import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect, it } from "vitest";
import { buildOpenApi } from "../../functions/docs/openapi.ts";
import { loadRouteTables } from "../../functions/docs/route-tables.ts";
import { webhookEventTypes } from "../../functions/webhooks/schemas.ts";
import { catalog } from "../../lib/catalog/index.ts";

type Json = Record<string, unknown>;

describe("OpenAPI: webhook routes and event payloads", () => {
  it("documents every event type under `webhooks` with its headers and payload, and stays valid", async () => {
    const { tables } = await loadRouteTables(catalog);
    const spec = buildOpenApi(catalog.routes, tables);
    const result = await new Validator().validate(spec);
    expect(result.errors ?? []).toEqual([]);
    const webhooks = spec.webhooks as Record<string, { post: Json }>;
    expect(Object.keys(webhooks).sort()).toEqual([...webhookEventTypes].sort());
    const delivered = webhooks["message.delivered"]?.post as {
      parameters: { name: string }[];
      requestBody: { content: Record<string, { schema: { properties: Record<string, Json> } }> };
    };
    expect(delivered.parameters.map((p) => p.name)).toEqual([
      "webhook-id",
      "webhook-timestamp",
      "webhook-signature",
    ]);
    const payload = delivered.requestBody.content["application/json"]?.schema.properties ?? {};
    expect(payload.type).toEqual({ const: "message.delivered" });
    expect(Object.keys((payload.data as { properties: Json }).properties)).toContain("to");
    expect(Object.keys((payload.data as { properties: Json }).properties)).not.toContain("text");
  });

  it("takes the management routes' response schemas from the handler (secret only on create and rotate)", async () => {
    const { tables } = await loadRouteTables(catalog);
    const spec = buildOpenApi(catalog.routes, tables);
    const paths = spec.paths as Record<string, Record<string, { responses: Record<string, Json> }>>;
    const created = JSON.stringify(paths["/v1/account/webhooks"]?.post?.responses["201"]);
    const listed = JSON.stringify(paths["/v1/account/webhooks"]?.get?.responses["200"]);
    expect(created).toContain('"secret"');
    expect(listed).toContain('"events"');
    expect(listed).not.toContain('"secret"');
    expect(
      paths["/v1/account/webhooks/{webhookId}/deliveries/{deliveryId}/replay"]?.post?.responses["202"],
    ).toBeDefined();
  });
});
