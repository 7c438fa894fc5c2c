import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pinnedPoster } from "../../functions/webhooks/post.ts";
import type { Resolver } from "../../functions/webhooks/ssrf.ts";

/** The sender's HTTP client: connects only to the checked address, follows no redirect, caps bodies. */
let server: Server;
let port = 0;
const hits: string[] = [];
/** Whether the 100 MB body was written to the end (it must not be: the client hangs up early). */
let hugeBodyFinished: boolean | undefined;

function streamHugeBody(response: import("node:http").ServerResponse): void {
  const chunk = Buffer.alloc(64 * 1024, "x");
  let left = 1600; // 1600 x 64 KiB = 100 MiB, far beyond any socket buffer
  response.writeHead(200);
  response.on("close", () => {
    hugeBodyFinished = left === 0 && response.writableFinished;
  });
  const pump = () => {
    while (left > 0) {
      left--;
      if (!response.write(chunk)) return void response.once("drain", pump);
    }
    response.end();
  };
  pump();
}

beforeAll(async () => {
  server = createServer((request, response) => {
    hits.push(`${request.headers.host} ${request.url}`);
    if (request.url === "/redirect") response.writeHead(302, { location: "http://169.254.169.254/" }).end();
    else if (request.url === "/huge") streamHugeBody(response);
    else if (request.url === "/slow") setTimeout(() => response.writeHead(200).end(), 2_000);
    else response.writeHead(204).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const answering =
  (...addresses: string[]): Resolver =>
  async () =>
    addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
const local = { allowLoopback: true };
const send = (url: string, resolver: Resolver, timeoutMs = 1_000, policy = local) =>
  pinnedPoster(policy, timeoutMs, resolver)({ url, headers: { "webhook-id": "t" }, body: "{}" });

describe("pinned webhook POST", () => {
  it("connects to the address the guard checked, keeping the URL's host name", async () => {
    // The name does not exist in DNS: the request can only reach the server through the pinned address.
    const outcome = await send(`http://receiver.invalid:${port}/ok`, answering("127.0.0.1"));
    expect(outcome).toMatchObject({ kind: "response", status: 204 });
    expect(hits).toContain(`receiver.invalid:${port} /ok`);
  });

  it("refuses at send time a name that now resolves to a refused address (DNS rebinding)", async () => {
    const before = hits.length;
    const outcome = await send(`http://receiver.invalid:${port}/ok`, answering("127.0.0.1"), 1_000, {
      allowLoopback: false,
    });
    expect(outcome).toMatchObject({ kind: "error" });
    expect(outcome.kind === "error" && outcome.error).toMatch(/^unsafe URL/);
    expect(hits.length).toBe(before);
  });

  it("does not follow redirects", async () => {
    const outcome = await send(`http://127.0.0.1:${port}/redirect`, answering("127.0.0.1"));
    expect(outcome).toMatchObject({ kind: "response", status: 302 });
  });

  it("stops reading a large response body and still reports the status", async () => {
    const outcome = await send(`http://127.0.0.1:${port}/huge`, answering("127.0.0.1"));
    expect(outcome).toMatchObject({ kind: "response", status: 200 });
    await expect.poll(() => hugeBodyFinished).toBe(false);
  });

  it("gives up on a slow receiver after the timeout", async () => {
    const outcome = await send(`http://127.0.0.1:${port}/slow`, answering("127.0.0.1"), 200);
    expect(outcome).toMatchObject({ kind: "error", error: "timeout" });
  });
});
