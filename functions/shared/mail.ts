import { appendFile } from "node:fs/promises";
import { SESv2Client, SendEmailCommand } from "@aws-sdk/client-sesv2";
import * as z from "zod";
import { envNames } from "../../lib/catalog/env.ts";
import { DomainError } from "./problem.ts";

/**
 * Platform email (invitations, notices) behind one port. On AWS: Amazon SES (SESv2 SendEmail) from
 * the sender identity set at deploy (context mailSender → env). Locally: a JSON-lines outbox file
 * that the local platform serves at GET /_local/mail?to= (never deployed), like the SMS outbox.
 */
export interface MailMessage {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
}

export interface Mailer {
  send(message: MailMessage): Promise<void>;
}

/** One line of the local outbox file (written here, read by local/mail-outbox.ts). */
export const localMailRecord = z.object({
  to: z.string(),
  from: z.string(),
  subject: z.string(),
  text: z.string(),
  sentAt: z.string(),
});
export type LocalMailRecord = z.infer<typeof localMailRecord>;

export const LOCAL_MAIL_SENDER = "no-reply@textgate.local";

export function localMailOutbox(path: string, clock: () => Date = () => new Date()): Mailer {
  return {
    async send(message) {
      const record: LocalMailRecord = { ...message, from: LOCAL_MAIL_SENDER, sentAt: clock().toISOString() };
      // One appended line per mail: O_APPEND keeps concurrent writers' lines whole.
      await appendFile(path, `${JSON.stringify(record)}\n`, { encoding: "utf8", mode: 0o600 });
    },
  };
}

let ses: SESv2Client | undefined;

export function sesMailer(sender: string): Mailer {
  return {
    async send(message) {
      ses ??= new SESv2Client({ maxAttempts: 3 });
      await ses.send(
        new SendEmailCommand({
          FromEmailAddress: sender,
          Destination: { ToAddresses: [message.to] },
          Content: {
            Simple: {
              Subject: { Data: message.subject, Charset: "UTF-8" },
              Body: { Text: { Data: message.text, Charset: "UTF-8" } },
            },
          },
        }),
      );
    },
  };
}

/** A deployment without a sender identity cannot send mail: say so instead of failing obscurely. */
const unconfigured: Mailer = {
  async send() {
    throw new DomainError(
      "service-unavailable",
      "Email is not configured for this deployment (deploy with -c mailSender=<verified SES address>)",
    );
  },
};

/** Local outbox when the local platform set its path; else SES with the deployed sender. */
export function mailerFromEnv(env: NodeJS.ProcessEnv = process.env): Mailer {
  const outbox = env[envNames.localMailOutbox];
  if (outbox) return localMailOutbox(outbox);
  const sender = env[envNames.mailSender];
  return sender ? sesMailer(sender) : unconfigured;
}
