import { createHmac, createPrivateKey, createPublicKey, generateKeyPairSync } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { decodeJwt, decodeProtectedHeader, exportJWK, SignJWT } from "jose";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { apiClient, signIn } from "../identity/client.ts";
import { demoAccount } from "../support/env.ts";

/**
 * The authorizer accepts only our ES256 tokens: every forgery below reaches it with a fresh
 * Authorization header (no cached result) and must end as 401 problem+json at the gateway.
 */
const client = apiClient();
let real: string;
let claims: Record<string, unknown>;
let kid: string;

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString("base64url");

beforeAll(async () => {
  const demo = demoAccount();
  real = (await signIn(client, demo.email, demo.password)).token;
  claims = decodeJwt(real) as Record<string, unknown>;
  kid = String(decodeProtectedHeader(real).kid);
});

async function expect401(token: string): Promise<void> {
  for (const [method, path] of [
    ["GET", "/v1/account/me"],
    ["GET", "/v1/audit/events"],
  ] as const) {
    const reply = await client.call(method, path, { token });
    expect(reply.status, `${method} ${path}`).toBe(401);
    expect(reply.headers["content-type"]).toContain("application/problem+json");
  }
}

const attackerEc = generateKeyPairSync("ec", { namedCurve: "P-256" });
const freshClaims = () => ({ ...claims, jti: crypto.randomUUID() });

describe("access token verification", () => {
  it("accepts the genuine token (control)", async () => {
    const reply = await client.call("GET", "/v1/account/me", { token: real });
    expect(reply.status).toBe(200);
  });

  it('rejects alg "none"', async () => {
    await expect401(`${b64({ alg: "none", typ: "at+jwt", kid })}.${b64(freshClaims())}.`);
    await expect401(`${b64({ alg: "none", typ: "at+jwt", kid })}.${b64(freshClaims())}.AAAA`);
  });

  it("rejects HS256 signed with the public key as the HMAC secret (algorithm confusion)", async () => {
    // The verifier's public key in every form an attacker could know it.
    const privatePem = readFileSync(join(inject("textgateHome"), "signing-key.pem"));
    const publicKey = createPublicKey(createPrivateKey(privatePem));
    const secrets = [
      publicKey.export({ format: "pem", type: "spki" }),
      publicKey.export({ format: "der", type: "spki" }),
      JSON.stringify(publicKey.export({ format: "jwk" })),
      kid,
    ];
    const input = `${b64({ alg: "HS256", typ: "at+jwt", kid })}.${b64(freshClaims())}`;
    for (const secret of secrets) {
      const sig = createHmac("sha256", secret).update(input).digest("base64url");
      await expect401(`${input}.${sig}`);
    }
  });

  it("rejects RS256 tokens", async () => {
    const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const token = await new SignJWT(freshClaims())
      .setProtectedHeader({ alg: "RS256", typ: "at+jwt", kid })
      .sign(rsa.privateKey);
    await expect401(token);
  });

  it("rejects ES256 tokens signed by another key, even with our kid", async () => {
    const token = await new SignJWT(freshClaims())
      .setProtectedHeader({ alg: "ES256", typ: "at+jwt", kid })
      .sign(attackerEc.privateKey);
    await expect401(token);
  });

  it("rejects tokens that carry their own key (jwk) or point at one (jku, x5u)", async () => {
    const jwk = await exportJWK(attackerEc.publicKey);
    const embedded = await new SignJWT(freshClaims())
      .setProtectedHeader({ alg: "ES256", typ: "at+jwt", kid, jwk })
      .sign(attackerEc.privateKey);
    await expect401(embedded);
    for (const header of [
      { jku: "https://attacker.example/jwks.json" },
      { x5u: "https://attacker.example/cert.pem" },
    ]) {
      const token = await new SignJWT(freshClaims())
        .setProtectedHeader({ alg: "ES256", typ: "at+jwt", kid, ...header })
        .sign(attackerEc.privateKey);
      await expect401(token);
    }
  });

  it("rejects a genuine signature with a tampered payload, a wrong typ, or a critical header", async () => {
    const [header, , signature] = real.split(".");
    await expect401(
      `${header}.${b64({ ...claims, role: "owner", acc: "acc_01ARZ3NDEKTSV4RRFFQ69G5FAV" })}.${signature}`,
    );
    const wrongTyp = `${b64({ alg: "ES256", typ: "JWT", kid })}.${real.split(".")[1]}.${signature}`;
    await expect401(wrongTyp);
    const crit = `${b64({ alg: "ES256", typ: "at+jwt", kid, crit: ["exp"] })}.${real.split(".")[1]}.${signature}`;
    await expect401(crit);
  });

  it("rejects garbage and truncated tokens", async () => {
    await expect401("not-a-jwt-but-long-enough");
    await expect401(real.slice(0, -10));
  });
});
