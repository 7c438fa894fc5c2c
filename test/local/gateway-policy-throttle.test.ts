import { describe, expect, test } from "vitest";
import { arnMatches, evaluatePolicy } from "../../local/gateway/policy.ts";
import { defaultThrottle, Throttler } from "../../local/gateway/throttle.ts";

const arn = "arn:aws:execute-api:eu-central-1:000000000000:local/prod/GET/v1/messages/msg_1";
const allow = (resource: unknown, action: unknown = "execute-api:Invoke") => ({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Action: action, Resource: resource }],
});

describe("authorizer policy evaluation", () => {
  test("wildcards: * spans slashes, ? is one character", () => {
    expect(arnMatches("arn:aws:execute-api:eu-central-1:000000000000:local/prod/*", arn)).toBe(true);
    expect(arnMatches("arn:aws:execute-api:*:*:local/*/GET/v1/messages/*", arn)).toBe(true);
    expect(
      arnMatches("arn:aws:execute-api:eu-central-1:000000000000:local/prod/GET/v1/messages/msg_?", arn),
    ).toBe(true);
    expect(arnMatches("arn:aws:execute-api:eu-central-1:000000000000:local/prod/POST/*", arn)).toBe(false);
    expect(arnMatches("arn:aws:execute-api:eu-central-1:000000000000:local/prod/GET/v1/messages", arn)).toBe(
      false,
    );
  });

  test("allow needs a matching action and resource; deny by default", () => {
    expect(evaluatePolicy(allow(arn), arn)).toBe("allow");
    expect(evaluatePolicy(allow([arn.replace("GET", "POST"), arn]), arn)).toBe("allow");
    expect(evaluatePolicy(allow(arn, "execute-api:*"), arn)).toBe("allow");
    expect(evaluatePolicy(allow(arn, "s3:GetObject"), arn)).toBe("deny");
    expect(evaluatePolicy(allow(arn.replace("GET", "POST")), arn)).toBe("deny");
  });

  test("an explicit Deny wins over any Allow", () => {
    const policy = {
      Statement: [
        { Effect: "Allow", Action: "execute-api:Invoke", Resource: "*" },
        { Effect: "Deny", Action: "execute-api:Invoke", Resource: arn },
      ],
    };
    expect(evaluatePolicy(policy, arn)).toBe("deny");
  });

  test("a malformed document is reported as such (API Gateway answers 500)", () => {
    expect(evaluatePolicy(undefined, arn)).toBeUndefined();
    expect(evaluatePolicy({ Statement: [] }, arn)).toBeUndefined();
    expect(evaluatePolicy({ Statement: ["nope"] }, arn)).toBeUndefined();
  });
});

describe("token buckets", () => {
  test("burst, then refill at the rate; route overrides and keys have their own buckets", () => {
    let now = 0;
    const throttler = new Throttler(
      { ...defaultThrottle, stage: { rateLimit: 2, burstLimit: 3 } },
      () => now,
    );
    const takes = () => [1, 2, 3, 4].map(() => throttler.takeMethod("GET /x"));
    const first = takes();
    expect(first.slice(0, 3)).toEqual([0, 0, 0]);
    expect(first[3]).toBeCloseTo(0.5); // one token every 1/rate seconds
    now += 1000; // two tokens back
    expect(throttler.takeMethod("GET /x")).toBe(0);
    expect(throttler.takeMethod("GET /x")).toBe(0);
    expect(throttler.takeMethod("GET /x")).toBeGreaterThan(0);
    expect(throttler.takeMethod("GET /y")).toBe(0); // per-method buckets
    expect(throttler.takeMethod("POST /z", { rateLimit: 1, burstLimit: 1 })).toBe(0);
    expect(throttler.takeMethod("POST /z", { rateLimit: 1, burstLimit: 1 })).toBeCloseTo(1);
  });
});
