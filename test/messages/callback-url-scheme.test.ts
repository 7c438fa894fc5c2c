import { describe, expect, it } from "vitest";
import { isAcceptedCallbackUrl } from "../../functions/messages/schemas.ts";
import { envNames } from "../../lib/catalog/env.ts";

/** callbackUrl is https; plain http only for loopback, and only where the local platform's flag is set. */
const local = { [envNames.localWebhookLoopback]: "1" };

describe("callbackUrl scheme", () => {
  it("accepts https everywhere", () => {
    expect(isAcceptedCallbackUrl("https://hooks.example.com/sms", {})).toBe(true);
  });

  it("accepts http to loopback only with the local flag", () => {
    expect(isAcceptedCallbackUrl("http://127.0.0.1:8080/cb", local)).toBe(true);
    expect(isAcceptedCallbackUrl("http://[::1]:8080/cb", local)).toBe(true);
    expect(isAcceptedCallbackUrl("http://127.0.0.1:8080/cb", {})).toBe(false);
  });

  it("refuses http to any other host, even with the local flag", () => {
    expect(isAcceptedCallbackUrl("http://example.com/cb", local)).toBe(false);
    expect(isAcceptedCallbackUrl("http://10.0.0.1/cb", local)).toBe(false);
    expect(isAcceptedCallbackUrl("ftp://127.0.0.1/cb", local)).toBe(false);
  });
});
