/**
 * The operator API accepts only SigV4 requests signed by an operator's IAM credentials, like API
 * Gateway's AWS_IAM authorisation: unsigned (404, as API Gateway's MISSING_AUTHENTICATION_TOKEN is
 * mapped), wrongly signed, expired (outside the 5-minute skew) and customer credentials (API keys,
 * user tokens) are all refused with problem+json.
 */
import { describe, expect, inject, it } from "vitest";
import { problemTypes } from "../../functions/shared/problem.ts";
import { GATEWAY_PROBLEMS } from "../../lib/gateway-responses.ts";
import { apiClient, signIn } from "../identity/client.ts";
import { demoAccount } from "../support/env.ts";
import { signedAdminRequest } from "./support.ts";

const accounts = "/v1/admin/accounts";
const api = apiClient();

async function expectProblem(response: Response, status: number): Promise<void> {
  expect(response.status).toBe(status);
  expect(response.headers.get("content-type")).toContain("application/problem+json");
  const problem = (await response.json()) as { status: number; accounts?: unknown };
  expect(problem.status).toBe(status);
  expect(problem.accounts).toBeUndefined();
}

describe("operator API authorisation (AWS IAM)", () => {
  it("answers a request signed with the operator's credentials", async () => {
    const response = await signedAdminRequest("GET", `${accounts}?limit=5`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { accounts: { accountId: string }[] };
    expect(Array.isArray(body.accounts)).toBe(true);
  });

  it("answers an unsigned request like API Gateway does: the unknown-path problem (404), for admin paths only", async () => {
    // On AWS an AWS_IAM method without Authorization is MISSING_AUTHENTICATION_TOKEN, the response
    // type of unknown paths too; one status per type, from the deployed mapping.
    const mapped = GATEWAY_PROBLEMS.find((p) => p.type.responseType === "MISSING_AUTHENTICATION_TOKEN");
    const status = mapped ? problemTypes[mapped.slug].status : undefined;
    expect(status).toBe(404);
    const unsigned = await fetch(new URL(accounts, inject("apiUrl")));
    await expectProblem(unsigned.clone(), 404);
    const unknown = await fetch(new URL("/v1/admin/no-such-thing", inject("apiUrl")));
    const unknownProblem = (await unknown.json()) as { type: string };
    expect(await unsigned.json()).toMatchObject({ type: unknownProblem.type, status: 404 });
    // A customer route without credentials still gets 401 from the authorizer, not 404.
    expect(
      (await fetch(new URL("/v1/messages/msg_01J00000000000000000000000", inject("apiUrl")))).status,
    ).toBe(401);
  });

  it("refuses a customer API key and a user token (401)", async () => {
    const demo = demoAccount();
    const reply = await api.call("GET", accounts, { token: demo.apiKey });
    expect(reply.status).toBe(401);
    expect(reply.headers["content-type"]).toContain("application/problem+json");
    const { token } = await signIn(api, demo.email, demo.password);
    expect((await api.call("GET", accounts, { token })).status).toBe(401);
  });

  it("refuses a wrong secret and an unknown access key (403)", async () => {
    const operator = inject("operator");
    const wrongSecret = {
      accessKeyId: operator.accessKeyId,
      secretAccessKey: `${operator.secretAccessKey}x`,
    };
    await expectProblem(await signedAdminRequest("GET", accounts, { credentials: wrongSecret }), 403);
    const unknownKey = { accessKeyId: "AKIAUNKNOWN000000000", secretAccessKey: operator.secretAccessKey };
    await expectProblem(await signedAdminRequest("GET", accounts, { credentials: unknownKey }), 403);
  });

  it("refuses a signature dated more than 5 minutes away (403)", async () => {
    const sixMinutes = 6 * 60 * 1000;
    await expectProblem(
      await signedAdminRequest("GET", accounts, { signingDate: new Date(Date.now() - sixMinutes) }),
      403,
    );
    await expectProblem(
      await signedAdminRequest("GET", accounts, { signingDate: new Date(Date.now() + sixMinutes) }),
      403,
    );
  });

  it("refuses a signed request whose body was changed after signing (403)", async () => {
    const signedFor = JSON.stringify({ name: "a", allowedCountries: ["EE"], ownerEmail: "a@example.test" });
    // Sign one body, send another with the same headers: the payload hash no longer matches.
    const { SignatureV4 } = await import("@smithy/signature-v4");
    const { NodeSha256 } = await import("../../tools/cli/sha256.ts");
    const url = new URL(accounts, inject("apiUrl"));
    const signed = await new SignatureV4({
      service: "execute-api",
      region: "eu-central-1",
      credentials: inject("operator"),
      sha256: NodeSha256,
    }).sign({
      method: "POST",
      protocol: "http:",
      hostname: url.hostname,
      port: Number(url.port),
      path: url.pathname,
      headers: { host: url.host, "content-type": "application/json" },
      body: signedFor,
    });
    const { host: _host, ...headers } = signed.headers;
    const tampered = signedFor.replace('"a"', '"b"');
    await expectProblem(await fetch(url, { method: "POST", headers, body: tampered }), 403);
  });
});
