import { randomBytes } from "node:crypto";
import { Webhook } from "standardwebhooks";
import type { SigningSecret } from "./ports.ts";

/** How long a rotated-out secret keeps signing, so receivers can switch without dropping events. */
export const ROTATION_OVERLAP_MS = 24 * 3600 * 1000;

/** whsec_ + base64 of 24 random bytes: the Standard Webhooks secret format. */
export const newSigningSecret = (): string => `whsec_${randomBytes(24).toString("base64")}`;

/** The secrets still allowed to sign at `now` (current first). */
export const activeSecrets = (secrets: readonly SigningSecret[], now: Date): SigningSecret[] =>
  secrets.filter((entry) => entry.until === undefined || new Date(entry.until) > now);

/**
 * Standard Webhooks headers. With two active secrets (during a rotation) the signature header holds
 * one `v1,<sig>` per secret, space-separated; a receiver accepts the event if any one verifies.
 */
export function signedHeaders(
  eventId: string,
  body: string,
  secrets: readonly SigningSecret[],
  now: Date,
): Record<string, string> {
  const signatures = secrets.map((entry) => new Webhook(entry.secret).sign(eventId, now, body));
  return {
    "webhook-id": eventId,
    "webhook-timestamp": String(Math.floor(now.getTime() / 1000)),
    "webhook-signature": signatures.join(" "),
  };
}
