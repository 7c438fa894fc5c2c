import { describe, expect, it } from "vitest";
import { httpCarrierAdapter } from "../../functions/carriers/http-adapter.ts";
import { PermanentCarrierError, TransientCarrierError } from "../../functions/carriers/model.ts";

const submission = {
  reference: "msg_1",
  from: "Test",
  to: "+37256123456",
  text: "hi",
  encoding: "GSM-7" as const,
};

function adapterAnswering(answer: () => Response | Promise<Response>, seen: Request[] = []) {
  return httpCarrierAdapter({
    baseUrl: "https://carrier.example",
    apiToken: "token-1",
    timeoutMs: 50,
    fetch: (async (url: string, init: RequestInit) => {
      seen.push(new Request(url, init));
      return answer();
    }) as typeof fetch,
  });
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

describe("HTTP carrier adapter", () => {
  it("posts the submission with the bearer token and returns the carrier's id", async () => {
    const seen: Request[] = [];
    const adapter = adapterAnswering(() => json(202, { carrierMessageId: "c-1" }), seen);
    await expect(adapter.submit({ ...submission, dlrUrl: "https://api.example/dlr" })).resolves.toEqual({
      carrierMessageId: "c-1",
    });
    const request = seen[0];
    expect(request?.url).toBe("https://carrier.example/v1/sms");
    expect(request?.headers.get("authorization")).toBe("Bearer token-1");
    expect(await request?.json()).toEqual({ ...submission, dlrUrl: "https://api.example/dlr" });
  });

  it.each([500, 502, 503, 429, 408])("HTTP %i is transient", async (status) => {
    await expect(adapterAnswering(() => json(status, {})).submit(submission)).rejects.toBeInstanceOf(
      TransientCarrierError,
    );
  });

  it("only a 429 is a definite 'not accepted' (a 5xx may come after the carrier stored it)", async () => {
    const notAccepted = async (status: number) =>
      (
        (await adapterAnswering(() => json(status, {}))
          .submit(submission)
          .catch((e: unknown) => e)) as TransientCarrierError
      ).notAccepted;
    expect(await Promise.all([429, 503, 500, 408].map(notAccepted))).toEqual([true, false, false, false]);
  });

  it("a 4xx is permanent and carries the carrier's code and reason", async () => {
    const adapter = adapterAnswering(() =>
      json(400, { code: "invalid-destination", reason: "no such number" }),
    );
    const error = await adapter.submit(submission).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentCarrierError);
    expect(error).toMatchObject({ code: "invalid-destination", reason: "no such number" });
  });

  it("a 4xx without a body still names the status", async () => {
    const error = await adapterAnswering(() => new Response("", { status: 403 }))
      .submit(submission)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "http-403" });
  });

  it("a network error or a timeout is transient", async () => {
    const network = adapterAnswering(() => {
      throw new TypeError("fetch failed");
    });
    await expect(network.submit(submission)).rejects.toThrow(/unreachable/);
    const slow = httpCarrierAdapter({
      baseUrl: "https://carrier.example",
      apiToken: "t",
      timeoutMs: 20,
      fetch: ((_url: string, init: RequestInit) =>
        new Promise((_resolve, reject) => {
          init.signal?.addEventListener("abort", () => reject(init.signal?.reason));
        })) as typeof fetch,
    });
    await expect(slow.submit(submission)).rejects.toThrow(/timed out/);
  });

  it("a 2xx without a carrierMessageId is transient (outcome unclear, reconcile later)", async () => {
    await expect(adapterAnswering(() => json(200, {})).submit(submission)).rejects.toBeInstanceOf(
      TransientCarrierError,
    );
  });

  it("lookup: 200 → received with the carrier's id; the contract's 404 → not received", async () => {
    await expect(
      adapterAnswering(() => json(200, { carrierMessageId: "c-9" })).lookup("msg_1"),
    ).resolves.toEqual({ outcome: "received", carrierMessageId: "c-9" });
    await expect(
      adapterAnswering(() => json(404, { code: "reference-not-found", reference: "msg_1" })).lookup("msg_1"),
    ).resolves.toEqual({ outcome: "not-received" });
  });

  it.each([
    ["a generic 404 (no lookup route)", () => json(404, { code: "not-found" })],
    ["a bare 404 page", () => new Response("Not Found", { status: 404 })],
    [
      "a not-found for another reference",
      () => json(404, { code: "reference-not-found", reference: "msg_2" }),
    ],
    ["a 503", () => json(503, {})],
    ["a 200 without an id", () => json(200, {})],
    [
      "a network error",
      () => {
        throw new TypeError("fetch failed");
      },
    ],
  ])("lookup: %s → unknown, never 'not received'", async (_name, answer) => {
    const outcome = await adapterAnswering(answer).lookup("msg_1");
    expect(outcome.outcome).toBe("unknown");
  });
});
