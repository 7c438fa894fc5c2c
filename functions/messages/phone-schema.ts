import * as z from "zod";
import { type ParsedPhone, parsePhone } from "./phone.ts";

/** A destination number parsed to E.164 + country inside zod, so phone errors join the other field errors. */
export const phoneNumber = z
  .string()
  .max(32)
  .transform((value, ctx): ParsedPhone => {
    try {
      return parsePhone(value);
    } catch (error) {
      const errors = (error as { extensions?: { errors?: { message: string }[] } }).extensions?.errors;
      ctx.addIssue({ code: "custom", message: errors?.[0]?.message ?? "is not a valid phone number" });
      return z.NEVER;
    }
  });
