/**
 * The local mail outbox (GET /_local/mail?to=, the local stand-in for SES). Imports no production
 * code, like outbox.ts.
 */
import { expect, inject } from "vitest";

export interface MailEntry {
  readonly to: string;
  readonly from: string;
  readonly subject: string;
  readonly text: string;
  readonly sentAt: string;
}

/** Emails the platform sent to `to`, newest first. */
export async function mailTo(to: string): Promise<MailEntry[]> {
  const response = await fetch(`${inject("apiUrl")}/_local/mail?to=${encodeURIComponent(to)}`);
  if (!response.ok) throw new Error(`GET /_local/mail answered ${response.status}`);
  return (await response.json()) as MailEntry[];
}

/** The token in the link of the newest invitation email to `to` (waits for `count` mails). */
export async function invitationTokenFor(to: string, count = 1): Promise<string> {
  await expect
    .poll(async () => (await mailTo(to)).length, { timeout: 10_000, interval: 100 })
    .toBeGreaterThanOrEqual(count);
  const [newest] = await mailTo(to);
  const token = /[?&]token=([A-Za-z0-9_-]+)/.exec(newest?.text ?? "")?.[1];
  if (!token) throw new Error(`no invitation link in the newest email to ${to}`);
  return token;
}
