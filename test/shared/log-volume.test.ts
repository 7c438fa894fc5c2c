import type { APIGatewayProxyEvent, Context } from "aws-lambda";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { httpHandler, route } from "../../functions/shared/http.ts";
import { logger } from "../../functions/shared/logger.ts";

// The suite's global set-up quiets function logs to WARN (LOG_LEVEL); these tests measure the INFO
// lines Lambda writes at its deployed level, and the logger reads the level when its module loads
// (and returns to it on every invocation), so it is set before the imports run.
vi.hoisted(() => {
  process.env.LOG_LEVEL = "INFO";
});

/**
 * Log volume per SMS (issue 14: ≤ 1,000 bytes): one INFO line per state change, without the
 * context CloudWatch already gives (function name, ARN, memory size) and without an INFO access
 * line for successful requests, which API Gateway's access log already has.
 */
const context = {
  awsRequestId: "req-log-1",
  functionName: "textgate-test-send",
  invokedFunctionArn: "arn:aws:lambda:eu-central-1:000000000000:function:textgate-test-send",
  memoryLimitInMB: "512",
  getRemainingTimeInMillis: () => 5000,
} as unknown as Context;

const event = (resource: string): APIGatewayProxyEvent =>
  ({
    httpMethod: "GET",
    resource,
    path: resource,
    headers: {},
    multiValueHeaders: {},
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    body: null,
    isBase64Encoded: false,
    requestContext: { requestId: "req-log-1", identity: { sourceIp: "127.0.0.1" } },
  }) as unknown as APIGatewayProxyEvent;

let lines: Record<string, unknown>[] = [];
let restore: () => void = () => {};

beforeEach(() => {
  lines = [];
  const original = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    const text = typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
    for (const line of text.split("\n").filter((l) => l.startsWith("{"))) lines.push(JSON.parse(line));
    return true;
  }) as typeof process.stdout.write;
  restore = () => {
    process.stdout.write = original;
  };
});
afterEach(() => restore());

const infoLines = () => lines.filter((line) => line.level === "INFO");

describe("log volume", () => {
  it("a state change line keeps the request id and appended keys, not what CloudWatch already tells", () => {
    logger.addContext(context);
    logger.appendKeys({ accountId: "acc_1" });
    logger.info("message sent", { messageId: "msg_1" });
    logger.resetKeys();
    const [line] = infoLines();
    expect(line).toMatchObject({
      message: "message sent",
      function_request_id: "req-log-1",
      accountId: "acc_1",
      messageId: "msg_1",
    });
    for (const key of ["function_arn", "function_memory_size", "function_name", "sampling_rate", "service"]) {
      expect(line, key).not.toHaveProperty(key);
    }
  });

  it("names the X-Ray trace only when X-Ray records it", () => {
    const traceIdBefore = process.env._X_AMZN_TRACE_ID;
    const root = "1-6748a1b2-0123456789abcdef01234567";
    try {
      process.env._X_AMZN_TRACE_ID = `Root=${root};Parent=53995c3f42cd8ad8;Sampled=0;Lineage=1:a:0`;
      logger.info("message sent", { messageId: "msg_unsampled" });
      process.env._X_AMZN_TRACE_ID = `Root=${root};Parent=53995c3f42cd8ad8;Sampled=1`;
      logger.info("message sent", { messageId: "msg_sampled" });
    } finally {
      if (traceIdBefore === undefined) delete process.env._X_AMZN_TRACE_ID;
      else process.env._X_AMZN_TRACE_ID = traceIdBefore;
    }
    const [unsampled, sampled] = infoLines();
    expect(unsampled).toMatchObject({ messageId: "msg_unsampled" });
    expect(unsampled).not.toHaveProperty("xray_trace_id");
    expect(sampled).toMatchObject({ messageId: "msg_sampled", xray_trace_id: root });
  });

  it("a successful request writes no INFO access line; a refused one still does", async () => {
    const handler = httpHandler({
      "GET /v1/fine": route({ run: async () => ({ status: 200, body: { ok: true } }) }),
      "GET /v1/refused": route({ run: async () => ({ status: 409, body: { ok: false } }) }),
    });
    await handler(event("/v1/fine"), context);
    expect(infoLines().filter((line) => line.message === "request handled")).toEqual([]);
    await handler(event("/v1/refused"), context);
    expect(infoLines().filter((line) => line.message === "request handled")).toMatchObject([
      { route: "GET /v1/refused", status: 409 },
    ]);
  });
});
