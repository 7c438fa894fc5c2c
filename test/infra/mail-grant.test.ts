import { App } from "aws-cdk-lib";
import { beforeAll, describe, expect, it } from "vitest";
import { catalog, envNames } from "../../lib/catalog/index.ts";
import { readSettings } from "../../lib/settings.ts";
import { asList, logicalId, nagViolations, type Synthesized, statementsOfRole, synthStack } from "./synth.ts";

/**
 * Invitation email through SES: with the deploy context set, exactly the functions with the mail
 * grant may call ses:SendEmail, and only as the configured identity; they get the sender and the
 * invitation page in env. Without the context, nobody gets SES at all.
 */
const mailContext = {
  mailSender: "no-reply@mail.example.com",
  invitationUrl: "https://app.example.com/accept-invitation",
};
const IDENTITY_ARN = "arn:aws:ses:eu-central-1:123456789012:identity/mail.example.com";

let synth: Synthesized;
beforeAll(() => {
  synth = synthStack(mailContext);
});

function sesGrantsOf(functionId: string): string[] {
  const fn = synth.stack.functions.fn(functionId);
  return statementsOfRole(synth, fn.role ?? fn).flatMap((statement) =>
    asList(statement.Action)
      .filter((action) => action.startsWith("ses:"))
      .flatMap((action) => asList(statement.Resource as string | string[]).map((r) => `${action} ${r}`)),
  );
}

describe("SES grant for invitation email", () => {
  it.each(catalog.functions.map((spec) => [spec.id, spec] as const))("%s", (_id, spec) => {
    const expected = spec.grants.mail === "send" ? [`ses:SendEmail ${IDENTITY_ARN}`] : [];
    expect(sesGrantsOf(spec.id)).toEqual(expected);
    const env = synth.template.findResources("AWS::Lambda::Function")[
      logicalId(synth.stack.functions.fn(spec.id))
    ]?.Properties.Environment.Variables as Record<string, string>;
    if (spec.grants.mail === "send") {
      expect(env[envNames.mailSender]).toBe(mailContext.mailSender);
      expect(env[envNames.invitationUrl]).toBe(mailContext.invitationUrl);
    } else {
      expect(env[envNames.mailSender]).toBeUndefined();
    }
    expect(env[envNames.localMailOutbox]).toBeUndefined();
  });

  it("adds no cdk-nag error or warning", () => {
    const findings = [...nagViolations(synth.stack, "error"), ...nagViolations(synth.stack, "warning")];
    expect(findings.map((finding) => finding.ruleName)).toEqual([]);
  });

  it("the account function (invitations) holds the mail grant", () => {
    expect(catalog.functions.find((spec) => spec.id === "account")?.grants.mail).toBe("send");
  });
});

describe("mail context", () => {
  const settingsFor = (context: Record<string, unknown>) => readSettings(new App({ context }).node);

  it("defaults the SES identity to the sender's domain, or takes the address itself", () => {
    expect(settingsFor(mailContext).mail).toEqual({
      ...{ sender: mailContext.mailSender },
      identity: "mail.example.com",
      invitationUrl: mailContext.invitationUrl,
    });
    expect(settingsFor({ ...mailContext, mailIdentity: mailContext.mailSender }).mail?.identity).toBe(
      mailContext.mailSender,
    );
    expect(settingsFor({}).mail).toBeUndefined();
  });

  it.each([
    [{ mailSender: "not-an-address", invitationUrl: mailContext.invitationUrl }, /not an email/],
    [{ mailSender: mailContext.mailSender }, /invitationUrl/],
    [{ ...mailContext, mailIdentity: "other.example.com" }, /mailIdentity/],
    [{ invitationUrl: mailContext.invitationUrl }, /need mailSender/],
  ])("refuses %o", (context, message) => {
    expect(() => settingsFor(context)).toThrow(message);
  });
});
