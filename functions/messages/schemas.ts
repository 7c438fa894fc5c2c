import * as z from "zod";
import { envNames } from "../../lib/catalog/env.ts";
import { rangeOf } from "../webhooks/ssrf.ts";
import { phoneNumber } from "./phone-schema.ts";
import { MAX_SEGMENTS, segmentInfo } from "./segments.ts";

/** Request and response schemas of the messages API; the OpenAPI document is generated from these. */

export const MAX_TEXT_CHARS = 1600;
export const MAX_SCHEDULE_AHEAD_SECONDS = 15 * 60;

/**
 * A lone UTF-16 surrogate (e.g. "\ud800" in the JSON) is not a character: it cannot be encoded for the
 * carrier (UCS-2/UTF-8) and the handset would show garbage. With the u flag, \p{Surrogate} matches only
 * unpaired surrogates (a valid pair reads as one astral code point). Same as !isWellFormed() (ES2024).
 */
const LONE_SURROGATE = /\p{Surrogate}/u;

const text = z
  .string()
  .min(1, { error: "must not be empty", abort: true })
  .refine((value) => !LONE_SURROGATE.test(value), {
    error: "must be valid Unicode text (it contains a lone surrogate)",
    abort: true,
  })
  .max(MAX_TEXT_CHARS, `must be at most ${MAX_TEXT_CHARS} characters`)
  .refine((value) => value.trim().length > 0, "must not be blank")
  .superRefine((value, ctx) => {
    const { segments, encoding } = segmentInfo(value);
    if (segments > MAX_SEGMENTS) {
      ctx.addIssue({
        code: "custom",
        message: `needs ${segments} SMS segments (${encoding}); at most ${MAX_SEGMENTS} are allowed`,
      });
    }
  });

/** Alphanumeric sender id (1–11 letters, digits, spaces; at least one letter) or an E.164 number. */
export const senderId = z
  .string()
  .regex(
    /^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}$|^\+[1-9][0-9]{6,14}$/,
    "must be an alphanumeric sender id (1-11 characters, at least one letter) or an E.164 number",
  );

/**
 * https only. Plain http is accepted for a loopback host only where the local platform set its flag
 * (the developer's own receiver; never on AWS). The sender's SSRF guard checks the address again.
 */
export function isAcceptedCallbackUrl(raw: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const url = URL.parse(raw);
  if (url?.protocol === "https:") return true;
  if (url?.protocol !== "http:" || env[envNames.localWebhookLoopback] !== "1") return false;
  return rangeOf(url.hostname.replace(/^\[(.*)\]$/, "$1")) === "loopback";
}

export const sendMessageBody = z.strictObject({
  to: phoneNumber,
  text,
  from: senderId.optional(),
  priority: z.enum(["low", "normal", "high"]).default("normal"),
  scheduleAt: z.iso.datetime({ offset: true, message: "must be an ISO-8601 date-time" }).optional(),
  callbackUrl: z
    .url({ protocol: /^https?$/, message: "must be an https:// URL" })
    .max(2048)
    .refine((raw) => isAcceptedCallbackUrl(raw), "must be an https:// URL")
    .optional(),
  validitySeconds: z.int().min(60).max(259_200).optional(),
});
export type SendMessageBody = z.infer<typeof sendMessageBody>;

export type { MessageView, QueuedMessageRecord } from "./views.ts";
export {
  messageIdParams,
  messageView,
  priceSchema,
  queuedMessageRecord,
  sendMessageResponse,
} from "./views.ts";
