import type { APIGatewayRequestAuthorizerEvent } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { LocalAuthorizer } from "../../local/gateway/authorizer.ts";

const methodArn = "arn:aws:execute-api:eu-central-1:000000000000:local/local/GET/v1/messages/x";

const event = (sourceIp: string): APIGatewayRequestAuthorizerEvent =>
  ({
    type: "REQUEST",
    methodArn,
    headers: { Authorization: "Bearer tg_test_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" },
    requestContext: { identity: { sourceIp } },
  }) as unknown as APIGatewayRequestAuthorizerEvent;

describe("local authorizer cache", () => {
  it("keys cached results on the Authorization header AND the source IP (API keys may have IP allow-lists)", async () => {
    const seen: string[] = [];
    const authorizer = new LocalAuthorizer(async (e) => {
      const ip = e.requestContext.identity.sourceIp;
      seen.push(ip);
      if (ip !== "198.51.100.1") throw new Error("Unauthorized");
      return {
        principalId: "key_1",
        policyDocument: {
          Version: "2012-10-17",
          Statement: [{ Action: "execute-api:Invoke", Effect: "Allow", Resource: [methodArn] }],
        },
        context: { accountId: "acc_1" },
      };
    });
    expect((await authorizer.authorize(event("198.51.100.1"))).kind).toBe("allow");
    expect((await authorizer.authorize(event("198.51.100.1"))).kind).toBe("allow");
    // A cached allow for the permitted address must not serve another address.
    expect((await authorizer.authorize(event("203.0.113.9"))).kind).toBe("unauthorized");
    expect(seen).toEqual(["198.51.100.1", "203.0.113.9"]);
  });
});
