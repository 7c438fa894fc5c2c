/**
 * AWS_IAM (SigV4) authorisation for "iam" routes, as API Gateway does it: the request must carry an
 * AWS4-HMAC-SHA256 Authorization for service execute-api in the gateway's region, signed by a known
 * access key, dated within 5 minutes of now. The signature is recomputed with @smithy/signature-v4
 * (the signing code AWS clients use) over exactly the headers the caller signed.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { SignatureV4 } from "@smithy/signature-v4";
import { NodeSha256 } from "../../tools/cli/sha256.ts";
import { LOCAL_REGION } from "../emulators.ts";
import type { RequestFacts } from "./proxy-event.ts";

/** One IAM principal the local gateway knows (written to .textgate/local.json as `operator`). */
export interface OperatorCredential {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** The IAM principal ARN API Gateway reports as requestContext.identity.userArn. */
  readonly arn: string;
}

/** AWS allows a signature date up to 5 minutes either side of its clock. */
export const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;

export type IamDecision =
  | { readonly kind: "allowed"; readonly operator: OperatorCredential }
  /**
   * No Authorization header: API Gateway answers MISSING_AUTHENTICATION_TOKEN, the same response
   * type as an unknown path, which lib/gateway-responses.ts maps to 404 not-found (a gateway
   * response has one status for the whole API). The local gateway answers the same 404, so the
   * operator plane is no more discoverable locally than on AWS.
   */
  | { readonly kind: "missing"; readonly reason: string }
  /** An Authorization header that is no SigV4 signature (a Bearer token): 401. */
  | { readonly kind: "unsigned"; readonly reason: string }
  /** Signed but not acceptably: unknown key, wrong signature, wrong scope, expired: 403. */
  | { readonly kind: "refused"; readonly reason: string };

const AUTH_PATTERN =
  /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$/;

/** 20261201T003000Z → Date. */
function parseAmzDate(value: string | undefined): Date | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value ?? "");
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s] = match.map(Number);
  return new Date(Date.UTC(y ?? 0, (mo ?? 1) - 1, d ?? 0, h ?? 0, mi ?? 0, s ?? 0));
}

const sha256Hex = (body: Buffer): string => createHash("sha256").update(body).digest("hex");

const header = (facts: RequestFacts, name: string): string | undefined =>
  Object.entries(facts.headers).find(([key]) => key.toLowerCase() === name)?.[1];

export async function verifyIamRequest(
  facts: RequestFacts,
  body: Buffer,
  operators: readonly OperatorCredential[],
  now: Date = new Date(),
): Promise<IamDecision> {
  const authorization = header(facts, "authorization");
  if (!authorization) return { kind: "missing", reason: "no Authorization header" };
  if (!authorization.startsWith("AWS4-HMAC-SHA256 ")) {
    return { kind: "unsigned", reason: "the Authorization header is not a SigV4 signature" };
  }
  const parsed = AUTH_PATTERN.exec(authorization);
  if (!parsed) return { kind: "refused", reason: "malformed SigV4 Authorization header" };
  const [, accessKeyId, scopeDate, region, service, signedHeaderList, signature] = parsed;
  if (region !== LOCAL_REGION || service !== "execute-api") {
    return { kind: "refused", reason: "credential scope is not execute-api in this region" };
  }
  const operator = operators.find((candidate) => candidate.accessKeyId === accessKeyId);
  if (!operator) return { kind: "refused", reason: "unknown access key" };
  const signedAt = parseAmzDate(header(facts, "x-amz-date"));
  if (!signedAt || signedAt.toISOString().slice(0, 10).replaceAll("-", "") !== scopeDate) {
    return { kind: "refused", reason: "missing or inconsistent X-Amz-Date" };
  }
  if (Math.abs(now.getTime() - signedAt.getTime()) > MAX_CLOCK_SKEW_MS) {
    return { kind: "refused", reason: "signature expired (more than 5 minutes from now)" };
  }
  const signedHeaders = (signedHeaderList ?? "").split(";");
  if (!signedHeaders.includes("host")) return { kind: "refused", reason: "host is not signed" };
  const headers: Record<string, string> = {};
  for (const name of signedHeaders) {
    const value = header(facts, name);
    if (value === undefined) return { kind: "refused", reason: `signed header ${name} is missing` };
    headers[name] = value;
  }
  // The signer would take a sent x-amz-content-sha256 as the payload's hash; AWS checks it against
  // the body, so a body changed after signing must not pass on the strength of the old header.
  if ("x-amz-content-sha256" in headers) headers["x-amz-content-sha256"] = sha256Hex(body);
  const signer = new SignatureV4({
    service: "execute-api",
    region: LOCAL_REGION,
    credentials: { accessKeyId: operator.accessKeyId, secretAccessKey: operator.secretAccessKey },
    sha256: NodeSha256,
    // The caller chose whether to send x-amz-content-sha256; recompute over what it signed only.
    applyChecksum: false,
  });
  const [hostname = "", port] = (headers.host ?? "").split(":");
  const expected = await signer.sign(
    {
      method: facts.method,
      protocol: "http:",
      hostname,
      ...(port ? { port: Number(port) } : {}),
      path: facts.path,
      query: { ...(facts.multiValueQuery ?? {}) },
      headers,
      body: body.length > 0 ? body : undefined,
    },
    { signingDate: signedAt, signableHeaders: new Set(signedHeaders) },
  );
  const expectedSignature = /Signature=([0-9a-f]{64})/.exec(String(expected.headers.authorization))?.[1];
  const matches =
    expectedSignature !== undefined &&
    timingSafeEqual(Buffer.from(expectedSignature), Buffer.from(signature ?? "".padEnd(64, "0")));
  return matches ? { kind: "allowed", operator } : { kind: "refused", reason: "signature does not match" };
}
