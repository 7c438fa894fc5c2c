import { App } from "aws-cdk-lib";
import { describe, expect, it } from "vitest";
import { readSettings } from "../../lib/settings.ts";

const settingsFor = (context: Record<string, unknown>) => readSettings(new App({ context }).node);

describe("deployment settings from CDK context", () => {
  it("defaults to prod in eu-central-1, real bundling, per-key throttling on", () => {
    expect(settingsFor({})).toEqual({
      stage: "prod",
      region: "eu-central-1",
      bundling: "esbuild",
      perKeyThrottle: true,
      waf: true,
      apiGatewayAccountRole: true,
    });
  });

  it("reads the API Gateway account role switch and the alarm email", () => {
    expect(settingsFor({ apiGatewayAccountRole: "false" }).apiGatewayAccountRole).toBe(false);
    expect(settingsFor({ alarmEmail: "oncall@example.com" }).alarmEmail).toBe("oncall@example.com");
  });

  it("reads replicaRegion, a custom domain and booleans given as strings or booleans", () => {
    const settings = settingsFor({
      stage: "dev",
      replicaRegion: "eu-west-1",
      domainName: "api.example.com",
      certificateArn: "arn:aws:acm:eu-central-1:123456789012:certificate/x",
      perKeyThrottle: "false",
    });
    expect(settings).toMatchObject({ stage: "dev", replicaRegion: "eu-west-1", perKeyThrottle: false });
    expect(settingsFor({ perKeyThrottle: false }).perKeyThrottle).toBe(false);
  });

  it.each([
    [{ stage: "Prod" }, /stage/],
    [{ stage: "a-very-long-stage-name" }, /stage/],
    [{ region: "moon-1" }, /region/],
    [{ replicaRegion: "eu-central-1" }, /must differ/],
    [{ domainName: "api.example.com" }, /go together/],
    [{ "textgate:bundling": "docker" }, /bundling/],
    [{ perKeyThrottle: "maybe" }, /perKeyThrottle/],
    [{ waf: "no" }, /waf/],
    [{ apiGatewayAccountRole: "yes" }, /apiGatewayAccountRole/],
    [{ alarmEmail: "oncall" }, /alarmEmail/],
    [{ alarmEmail: "On Call <oncall@example.com>" }, /alarmEmail/],
  ])("refuses %o", (context, message) => {
    expect(() => settingsFor(context)).toThrow(message);
  });
});
