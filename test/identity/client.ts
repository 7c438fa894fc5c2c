/**
 * HTTP client for the identity acceptance tests. Each client sends from its own loopback address
 * (127.x.y.z): per-IP limits are real, so test files must not share one source address.
 */
import { randomBytes, randomInt } from "node:crypto";
import { request } from "node:http";
import { Secret, TOTP } from "otpauth";
import { inject } from "vitest";
import { invitationTokenFor } from "../support/mail.ts";
import { outbox } from "../support/outbox.ts";

export interface Reply {
  readonly status: number;
  readonly headers: Record<string, string>;
  // biome-ignore lint/suspicious/noExplicitAny: JSON from the API under test
  readonly body: any;
}

export interface ApiClient {
  readonly sourceIp: string;
  call(
    method: string,
    path: string,
    options?: { body?: unknown; token?: string; userAgent?: string },
  ): Promise<Reply>;
}

export const randomLoopback = (): string =>
  `127.${randomInt(1, 255)}.${randomInt(0, 256)}.${randomInt(1, 255)}`;

export function apiClient(
  baseUrl: string = inject("apiUrl"),
  sourceIp: string = randomLoopback(),
): ApiClient {
  const base = new URL(baseUrl);
  return {
    sourceIp,
    call(method, path, options = {}) {
      const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
      return new Promise((resolve, reject) => {
        const req = request(
          {
            host: base.hostname,
            port: base.port,
            path,
            method,
            localAddress: sourceIp,
            headers: {
              ...(payload !== undefined ? { "content-type": "application/json" } : {}),
              ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
              ...(options.userAgent ? { "user-agent": options.userAgent } : {}),
            },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (chunk: Buffer) => chunks.push(chunk));
            res.on("end", () => {
              const text = Buffer.concat(chunks).toString("utf8");
              let body: unknown = text;
              try {
                body = text ? JSON.parse(text) : undefined;
              } catch {
                // not JSON: keep the text
              }
              const headers: Record<string, string> = {};
              for (const [name, value] of Object.entries(res.headers)) {
                if (typeof value === "string") headers[name] = value;
              }
              resolve({ status: res.statusCode ?? 0, headers, body });
            });
          },
        );
        req.on("error", (error: NodeJS.ErrnoException) => {
          if (error.code === "EADDRNOTAVAIL") {
            // Linux routes all of 127.0.0.0/8 to lo; macOS only 127.0.0.1 unless aliases are added.
            error.message = `cannot send from ${sourceIp}: these tests need the whole 127.0.0.0/8 on loopback (${error.message})`;
          }
          reject(error);
        });
        if (payload !== undefined) req.write(payload);
        req.end();
      });
    },
  };
}

export const uniqueEmail = (label: string): string =>
  `${label}.${randomBytes(5).toString("hex")}@example.test`;
/** 24 random characters: strong, never in a blocklist, never containing the email. */
export const strongPassword = (): string => randomBytes(18).toString("base64url");

export async function login(client: ApiClient, email: string, password: string): Promise<Reply> {
  return client.call("POST", "/v1/auth/login", { body: { email, password } });
}

/** Logs in (no MFA expected) and returns the token pair. */
export async function signIn(client: ApiClient, email: string, password: string) {
  const reply = await login(client, email, password);
  if (reply.status !== 200 || !reply.body?.token) {
    throw new Error(`sign-in failed: ${reply.status} ${JSON.stringify(reply.body)}`);
  }
  return reply.body as { token: string; refreshToken: string; expiresAt: string };
}

/** Invites `email` with `role` as the given admin token, accepts it, and signs the new user in. */
export async function createUser(client: ApiClient, adminToken: string, role: string) {
  const email = uniqueEmail(role);
  const password = strongPassword();
  const invite = await client.call("POST", "/v1/account/invitations", {
    token: adminToken,
    body: { email, role },
  });
  if (invite.status !== 201)
    throw new Error(`invite failed: ${invite.status} ${JSON.stringify(invite.body)}`);
  // The token goes only to the invited address (the local mail outbox), never to the inviter.
  const accept = await client.call("POST", "/v1/account/invitations/accept", {
    body: { token: await invitationTokenFor(email), password },
  });
  if (accept.status !== 201)
    throw new Error(`accept failed: ${accept.status} ${JSON.stringify(accept.body)}`);
  const tokens = await signIn(client, email, password);
  return { email, password, userId: accept.body.userId as string, ...tokens };
}

/** The TOTP code for `secret` at `time` (ms). */
export const totpCode = (secret: string, time: number = Date.now()): string =>
  new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30, algorithm: "SHA1" }).generate({
    timestamp: time,
  });

/** Waits for the newest text to `to` that differs from `previous`, and returns its digits. */
export async function codeSentTo(to: string, previous?: string): Promise<string> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const code = /\b(\d{6,10})\b/.exec((await outbox(to))[0]?.text ?? "")?.[1];
    if (code && code !== previous) return code;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`no SMS code reached ${to}`);
}
