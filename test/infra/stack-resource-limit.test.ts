import { describe, expect, it } from "vitest";
import { synthStack } from "./synth.ts";

/**
 * CloudFormation refuses a stack of more than 500 resources. With every option on, the stack is
 * already close (about 470 with the SMPP connector): this fails before a deploy would, so the
 * next capability that pushes it over is split into nested stacks instead of breaking deploys.
 */
const CLOUDFORMATION_RESOURCE_LIMIT = 500;

describe("the stack fits CloudFormation's resource limit", () => {
  it("with every option on (SMPP connector, replica region, custom domain, alarm email, mail)", () => {
    const { template } = synthStack({
      smppConnector: "true",
      replicaRegion: "eu-west-1",
      domainName: "api.example.com",
      certificateArn: "arn:aws:acm:eu-central-1:123456789012:certificate/x",
      alarmEmail: "oncall@example.com",
      mailSender: "no-reply@mail.example.com",
      invitationUrl: "https://app.example.com/accept-invitation",
    });
    const count = Object.keys(template.toJSON().Resources).length;
    expect(count).toBeLessThan(CLOUDFORMATION_RESOURCE_LIMIT);
  });
});
