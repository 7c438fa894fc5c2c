import { SignatureV4 } from "@smithy/signature-v4";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@smithy/types";
import { CliError, exitCodeForStatus, exitCodes } from "./errors.ts";
import { NodeSha256 } from "./sha256.ts";
import type { Target } from "./target.ts";

export interface SignedRequest {
  readonly url: string;
  readonly method: string;
  readonly service: string;
  readonly region: string;
  readonly credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  readonly body?: string;
  readonly contentType?: string;
  /** Overrides the signing time (tests of the gateway's clock-skew check). */
  readonly signingDate?: Date;
}

/** fetch with an AWS SigV4 signature (the same @smithy/signature-v4 the AWS SDK signs with). */
export async function signedFetch(request: SignedRequest): Promise<Response> {
  const url = new URL(request.url);
  const query: Record<string, string | string[]> = {};
  for (const [name, value] of url.searchParams) {
    const existing = query[name];
    query[name] =
      existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
  }
  const signer = new SignatureV4({
    service: request.service,
    region: request.region,
    credentials: request.credentials,
    sha256: NodeSha256,
  });
  const signed = await signer.sign(
    {
      method: request.method,
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname,
      query,
      headers: {
        host: url.host,
        ...(request.body !== undefined ? { "content-type": request.contentType ?? "application/json" } : {}),
      },
      ...(request.body !== undefined ? { body: request.body } : {}),
    },
    request.signingDate ? { signingDate: request.signingDate } : {},
  );
  const headers = { ...signed.headers };
  // fetch sets Host itself from the URL (the same value that was signed).
  delete headers.host;
  try {
    return await fetch(url, {
      method: request.method,
      headers,
      ...(request.body !== undefined ? { body: request.body } : {}),
    });
  } catch (error) {
    throw new CliError(`cannot reach ${url.origin}: ${(error as Error).message}`, exitCodes.unavailable, {
      cause: error,
    });
  }
}

/** Calls the operator API (/v1/admin/…) of a target; problem+json answers become one-line errors. */
export class AdminClient {
  constructor(
    private readonly target: Target,
    private readonly onSlow: (what: string) => () => void = () => () => {},
  ) {}

  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const done = this.onSlow(`${method} ${path}`);
    try {
      const response = await signedFetch({
        url: new URL(path, this.target.apiUrl).toString(),
        method,
        service: "execute-api",
        region: this.target.region,
        credentials: this.target.credentials,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const text = await response.text();
      const parsed = parseJson(text);
      if (!response.ok)
        throw new CliError(problemLine(response.status, parsed), exitCodeForStatus(response.status));
      return parsed as T;
    } finally {
      done();
    }
  }
}

function parseJson(text: string): unknown {
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** "404 Not Found: No account acc_…" (+ the first field errors of a validation problem). */
function problemLine(status: number, problem: unknown): string {
  if (typeof problem !== "object" || problem === null) return `HTTP ${status}`;
  const { title, detail, errors } = problem as { title?: unknown; detail?: unknown; errors?: unknown };
  const head = `${status} ${typeof title === "string" ? title : "error"}`;
  const fieldErrors = Array.isArray(errors)
    ? errors
        .slice(0, 3)
        .map((e: { field?: unknown; message?: unknown }) => `${String(e.field)}: ${String(e.message)}`)
        .join("; ")
    : "";
  const text = fieldErrors || (typeof detail === "string" && detail !== title ? detail : "");
  return text ? `${head}: ${text}` : head;
}
