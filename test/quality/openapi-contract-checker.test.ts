/**
 * The contract checker itself catches what it promises to catch, on the generated document (no
 * platform): so a green contract test means the responses matched, not that nothing was checked.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { buildOpenApi } from "../../functions/docs/openapi.ts";
import { loadRouteTables } from "../../functions/docs/route-tables.ts";
import { catalog } from "../../lib/catalog/index.ts";
import { type ObservedResponse, OpenApiContract } from "../support/openapi-contract.ts";

let contract: OpenApiContract;

beforeAll(async () => {
  const { tables } = await loadRouteTables(catalog);
  contract = new OpenApiContract(buildOpenApi(catalog.routes, tables));
});

const me = {
  accountId: "acc_01",
  userId: "usr_01",
  email: "a@example.test",
  role: "owner",
  status: "active",
  createdAt: "2026-01-01T00:00:00.000Z",
  mfa: { totp: false, sms: false, recoveryCodesLeft: 0 },
};
const problem = (status: number) => ({ type: "https://textgate.dev/problems/x", title: "x", status });

const observed = (overrides: Partial<ObservedResponse> & { json?: unknown }): ObservedResponse => ({
  method: "GET",
  path: "/v1/account/me",
  status: 200,
  headers: new Headers({ "content-type": "application/json" }),
  body: JSON.stringify(overrides.json ?? me),
  ...overrides,
});

describe("OpenAPI contract checker", () => {
  it("accepts a response that matches its schema", () => {
    expect(contract.violations(observed({}))).toEqual([]);
  });

  it("reports a property the schema forbids and a missing required one", () => {
    expect(contract.violations(observed({ json: { ...me, internal: 1 } })).join()).toMatch(
      /additional properties/,
    );
    const { email: _email, ...withoutEmail } = me;
    expect(contract.violations(observed({ json: withoutEmail })).join()).toMatch(/required property 'email'/);
  });

  it("reports an undocumented status and an undocumented media type", () => {
    expect(contract.violations(observed({ status: 418 })).join()).toMatch(/status not documented/);
    const html = observed({ headers: new Headers({ "content-type": "text/html" }) });
    expect(contract.violations(html).join()).toMatch(/Content-Type "text\/html" not documented/);
  });

  it("validates problems through the document's $ref and wants Retry-After on 429", () => {
    const limited = {
      status: 429,
      headers: new Headers({ "content-type": "application/problem+json" }),
      body: JSON.stringify(problem(429)),
    };
    expect(contract.violations(observed(limited)).join()).toMatch(/Retry-After missing/);
    limited.headers.set("retry-after", "3");
    expect(contract.violations(observed(limited))).toEqual([]);
    const noTitle = { ...limited, body: JSON.stringify({ type: "https://x/y", status: 429 }) };
    expect(contract.violations(observed(noTitle)).join()).toMatch(/required property 'title'/);
  });

  it("matches a literal path segment before a parameter, and knows no undocumented route", () => {
    expect(contract.operationFor("POST", "/v1/account/invitations/accept")?.template).toBe(
      "/v1/account/invitations/accept",
    );
    expect(contract.operationFor("GET", "/v1/messages/msg_1?x=1")?.template).toBe("/v1/messages/{id}");
    expect(contract.operationFor("POST", "/v1/carriers/sim/dlr")).toBeUndefined();
  });

  it("wants no body where the document declares none (204)", () => {
    const noContent = { method: "POST", path: "/v1/auth/logout", status: 204 };
    expect(contract.violations(observed({ ...noContent, body: "" }))).toEqual([]);
    expect(contract.violations(observed({ ...noContent, body: "{}" })).join()).toMatch(/body sent/);
  });
});
