/**
 * HTTP client for the contract test: every response it receives is checked against the served
 * OpenAPI document and its violations are collected. Each client sends from its own loopback
 * address, so per-IP limits of other test files never meet this one's.
 */
import { request } from "node:http";
import { randomLoopback } from "../identity/client.ts";
import type { ObservedResponse, OpenApiContract } from "../support/openapi-contract.ts";

export interface ContractReply extends ObservedResponse {
  // biome-ignore lint/suspicious/noExplicitAny: JSON from the API under test
  readonly json: any;
}

export interface CallOptions {
  readonly token?: string;
  readonly json?: unknown;
  /** A raw body (sent with the JSON content type unless headers say otherwise). */
  readonly raw?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export class ContractClient {
  readonly violations: string[] = [];
  readonly sourceIp = randomLoopback();

  constructor(
    private readonly apiUrl: string,
    private readonly contract: OpenApiContract,
  ) {}

  /** Sends one request and records how its response breaks the document (if it does). */
  async call(method: string, path: string, options: CallOptions = {}): Promise<ContractReply> {
    const reply = await this.send(method, path, options);
    this.violations.push(...this.contract.violations(reply));
    return reply;
  }

  private send(method: string, path: string, options: CallOptions): Promise<ContractReply> {
    const base = new URL(this.apiUrl);
    const payload = options.raw ?? (options.json === undefined ? undefined : JSON.stringify(options.json));
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: base.hostname,
          port: base.port,
          path,
          method,
          localAddress: this.sourceIp,
          headers: {
            ...(payload !== undefined ? { "content-type": "application/json" } : {}),
            ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
            ...(options.headers ?? {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("end", () => {
            const body = Buffer.concat(chunks).toString("utf8");
            const headers = new Headers();
            for (const [name, value] of Object.entries(res.headers)) {
              if (typeof value === "string") headers.set(name, value);
              else if (Array.isArray(value)) for (const item of value) headers.append(name, item);
            }
            let json: unknown;
            try {
              json = body ? JSON.parse(body) : undefined;
            } catch {
              json = undefined;
            }
            resolve({ method, path, status: res.statusCode ?? 0, headers, body, json });
          });
        },
      );
      req.on("error", reject);
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }
}
