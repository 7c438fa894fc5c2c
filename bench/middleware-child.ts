/**
 * Runs in its own process (stdout discarded: the chain logs one line per request, as on Lambda):
 * the same trivial route called through httpHandler and directly; per-request times to a JSON file.
 */
import { writeFileSync } from "node:fs";
import type { APIGatewayProxyEvent, Context } from "aws-lambda";
import * as z from "zod";
import { httpHandler, route } from "../functions/shared/http.ts";

const body = z.strictObject({ to: z.string(), text: z.string() });
const trivial = route({ body, run: async (req) => ({ status: 202, body: { ok: true, to: req.body.to } }) });
const handler = httpHandler({ "POST /v1/bench": trivial });

const event = {
  resource: "/v1/bench",
  path: "/v1/bench",
  httpMethod: "POST",
  headers: { "Content-Type": "application/json", "Idempotency-Key": "bench-key-0001" },
  queryStringParameters: null,
  pathParameters: null,
  body: JSON.stringify({ to: "+37255512345", text: "hello" }),
  isBase64Encoded: false,
  requestContext: {
    requestId: "bench",
    identity: { sourceIp: "127.0.0.1" },
    authorizer: { accountId: "acc_1", principalId: "key_1", principalType: "apiKey", scopes: "send" },
  },
} as unknown as APIGatewayProxyEvent;
const context = {
  awsRequestId: "bench",
  functionName: "bench",
  getRemainingTimeInMillis: () => 3000,
} as unknown as Context;

// The direct call does what any handler must do anyway: parse the JSON body and validate it.
const direct = async () => {
  const parsed = body.parse(JSON.parse(event.body ?? "{}"));
  const result = await trivial.run({ body: parsed } as never);
  return JSON.stringify(result.body);
};

async function time(fn: () => Promise<unknown>, runs: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await fn();
    out.push(performance.now() - started);
  }
  return out;
}

const runs = Number(process.argv[3] ?? 20000);
await time(() => handler(event, context), 2000); // warm-up: JIT, first-call init
await time(direct, 2000);
const chain = await time(() => handler(event, context), runs);
const plain = await time(direct, runs);
writeFileSync(process.argv[2] as string, JSON.stringify({ chain, plain }));
