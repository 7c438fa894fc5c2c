import * as z from "zod";
import { phoneNumber } from "../messages/phone-schema.ts";
import { MAX_CODE_LENGTH, MIN_CODE_LENGTH } from "./code.ts";
import { MAX_EXPIRY_SECONDS, MIN_EXPIRY_SECONDS } from "./start.ts";
import { templateNames } from "./templates.ts";

/** Request and response schemas of the Verify API (also the source of its OpenAPI document). */

/**
 * Shown as "<appName>: Your verification code is …". Letters, digits, spaces and a few signs only:
 * no dots, slashes or colons, so the field cannot carry a link or a phishing text of its own.
 */
export const appName = z
  .string()
  .regex(/^[\p{L}\p{N}][\p{L}\p{N} &'_-]{0,29}$/u, "1-30 letters, digits, spaces or & ' _ -; no links");

export const startVerificationBody = z.strictObject({
  to: phoneNumber,
  channel: z.literal("sms").default("sms"),
  locale: z
    .string()
    .regex(/^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8}){0,3}$/, "must be a language tag such as en, de or et-EE")
    .optional(),
  codeLength: z.int().min(MIN_CODE_LENGTH).max(MAX_CODE_LENGTH).default(MIN_CODE_LENGTH),
  template: z.enum(templateNames).optional(),
  appName: appName.optional(),
  expirySeconds: z.int().min(MIN_EXPIRY_SECONDS).max(MAX_EXPIRY_SECONDS).optional(),
});
export type StartVerificationBody = z.infer<typeof startVerificationBody>;

export const verificationParams = z.strictObject({ id: z.string().min(1).max(64) });

export const checkVerificationBody = z.strictObject({
  code: z.string().regex(/^[0-9]{4,10}$/, "must be 4-10 digits"),
});

export { verificationView } from "./view-schema.ts";
