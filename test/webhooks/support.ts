/**
 * Helpers for the webhook tests: an own account whose owner can sign in (management routes need a
 * user) plus an API key that sends SMS, and a local receiver on 127.0.0.1 that records every request
 * and checks its Standard Webhooks signature with the `standardwebhooks` package.
 */
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";
import { createApiKey } from "../../functions/auth/api-keys.ts";
import { createAccountWithOwner } from "../../functions/identity/accounts.ts";
import { hashPassword } from "../../functions/identity/passwords.ts";
import { systemClock } from "../../functions/shared/clock.ts";
import { apiClient, signIn, strongPassword } from "../identity/client.ts";

export interface WebhookAccount {
  readonly accountId: string;
  readonly apiKey: string;
  readonly token: string;
  readonly ownerEmail: string;
}

export async function createWebhookAccount(): Promise<WebhookAccount> {
  const password = strongPassword();
  const email = `webhooks+${randomBytes(6).toString("hex")}@example.test`;
  const { account } = await createAccountWithOwner(
    {
      name: "webhooks test",
      allowedCountries: ["EE"],
      owner: { email, role: "owner", passwordHash: await hashPassword(password) },
    },
    systemClock,
  );
  const { key } = await createApiKey(
    { accountId: account.accountId, name: "webhooks", scopes: ["send", "read", "verify"], mode: "test" },
    systemClock,
  );
  const { token } = await signIn(apiClient(), email, password);
  return { accountId: account.accountId, apiKey: key, token, ownerEmail: email };
}

export interface ReceivedRequest {
  readonly headers: Record<string, string>;
  readonly body: string;
  // biome-ignore lint/suspicious/noExplicitAny: JSON sent by the platform under test
  readonly json: any;
}

export interface Receiver {
  readonly url: string;
  readonly received: ReceivedRequest[];
  /** Requests for one event id (the webhook-id header). */
  forEvent(eventId: string): ReceivedRequest[];
  /** True when the request's signature verifies with `secret` (standardwebhooks package). */
  verifies(request: ReceivedRequest, secret: string): boolean;
  stop(): Promise<void>;
}

/** Answers the n-th request (0-based) with respond(n); records everything. */
export async function startReceiver(respond: (n: number) => number = () => 204): Promise<Receiver> {
  const received: ReceivedRequest[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(request.headers)) {
        if (typeof value === "string") headers[name] = value;
      }
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      const status = respond(received.length);
      received.push({ headers, body, json });
      response.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    forEvent: (eventId) => received.filter((entry) => entry.headers["webhook-id"] === eventId),
    verifies(request, secret) {
      try {
        new Webhook(secret).verify(request.body, request.headers);
        return true;
      } catch {
        return false;
      }
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
