import { describe, expect, it } from "vitest";
import { describeNetworkError, sendRetryingDroppedConnection } from "../../tools/quality/fuzz-runner.ts";

/** What fetch (undici) throws for a socket error: the code is on the cause. */
const fetchFailed = (code: string, message: string) =>
  new TypeError("fetch failed", { cause: Object.assign(new Error(message), { code }) });

describe("the fuzz tells a dropped connection from a server that gave no answer", () => {
  it("sends again once when the kept-alive connection was reset, and says so", async () => {
    const failures = [fetchFailed("ECONNRESET", "read ECONNRESET")];
    let attempts = 0;
    const sent = await sendRetryingDroppedConnection(async () => {
      attempts += 1;
      const failure = failures.shift();
      if (failure) throw failure;
      return 413;
    });
    expect(sent).toEqual({ response: 413, retried: true });
    expect(attempts).toBe(2);
  });

  it("reports a connection that drops twice (a request that kills its connection is a finding)", async () => {
    const attempt = async (): Promise<number> => {
      throw fetchFailed("UND_ERR_SOCKET", "other side closed");
    };
    await expect(sendRetryingDroppedConnection(attempt)).rejects.toThrow("fetch failed");
  });

  it("does not send again when nothing listens or the answer timed out", async () => {
    let attempts = 0;
    const refused = async (): Promise<number> => {
      attempts += 1;
      throw fetchFailed("ECONNREFUSED", "connect ECONNREFUSED 127.0.0.1:1");
    };
    await expect(sendRetryingDroppedConnection(refused)).rejects.toThrow("fetch failed");
    expect(attempts).toBe(1);
  });

  it("names the socket error instead of fetch's bare 'fetch failed'", () => {
    expect(describeNetworkError(fetchFailed("ECONNRESET", "read ECONNRESET"))).toBe(
      "fetch failed (ECONNRESET: read ECONNRESET)",
    );
    expect(describeNetworkError(new Error("The operation was aborted due to timeout"))).toBe(
      "The operation was aborted due to timeout",
    );
  });
});
