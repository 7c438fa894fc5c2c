import http from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import type { PostOutcome, WebhookPoster } from "./ports.ts";
import {
  type Resolver,
  resolveSafeTarget,
  type SafeTarget,
  type SsrfPolicy,
  UnsafeUrlError,
} from "./ssrf.ts";

/** Response bodies are read up to this much (then dropped): never stored, never trusted. */
export const MAX_RESPONSE_BYTES = 4096;

/** A lookup that only ever answers the address the SSRF guard checked: no second resolution. */
const pinnedLookup =
  (target: SafeTarget): LookupFunction =>
  (_hostname, options, callback) => {
    if (options.all) callback(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  };

function send(
  target: SafeTarget,
  headers: Readonly<Record<string, string>>,
  body: string,
  timeoutMs: number,
): Promise<number> {
  const transport = target.url.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const request = transport.request(
      target.url,
      {
        method: "POST",
        headers: { ...headers, "content-type": "application/json", "user-agent": "Textgate-Webhooks/1" },
        lookup: pinnedLookup(target),
        // No pooled socket: every send connects to the address checked for it.
        agent: false,
        timeout: timeoutMs,
      },
      (response) => {
        // Redirects are not followed (node's http never does): a 3xx is just a failed attempt.
        let seen = 0;
        response.on("data", (chunk: Buffer) => {
          seen += chunk.length;
          if (seen > MAX_RESPONSE_BYTES) response.destroy();
        });
        response.on("close", () => resolve(response.statusCode ?? 0));
        response.on("error", () => resolve(response.statusCode ?? 0));
      },
    );
    request.on("timeout", () => request.destroy(new Error("timeout")));
    request.on("error", reject);
    request.end(body);
  });
}

/** Resolves and checks the URL at every send (DNS rebinding), then posts to that very address. */
export function pinnedPoster(policy: SsrfPolicy, timeoutMs: number, resolver?: Resolver): WebhookPoster {
  return async ({ url, headers, body }): Promise<PostOutcome> => {
    const started = performance.now();
    const latencyMs = () => Math.round(performance.now() - started);
    try {
      const target = await resolveSafeTarget(url, policy, resolver);
      const status = await send(target, headers, body, timeoutMs);
      return { kind: "response", status, latencyMs: latencyMs() };
    } catch (error) {
      const reason =
        error instanceof UnsafeUrlError
          ? `unsafe URL: ${error.message}`
          : ((error as NodeJS.ErrnoException).code ?? (error as Error).message ?? "request failed");
      return { kind: "error", error: reason, latencyMs: latencyMs() };
    }
  };
}
