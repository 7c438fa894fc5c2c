import * as z from "zod";

/**
 * One SMPP carrier as the carrier configuration file names it (docs/carriers.md; the config parser
 * validates the whole file and hands each `type:"smpp"` entry here). The password is named by an
 * environment variable (locally) or held in Secrets Manager (AWS), never written in the entry.
 */
export const smppCarrierEntry = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{1,31}$/),
    type: z.literal("smpp"),
    host: z.string().min(1),
    port: z.number().int().min(1).max(65_535),
    tls: z.boolean().default(true),
    /** PEM bundle the SMSC's certificate must chain to; default: the system trust store. */
    caFile: z.string().min(1).optional(),
    systemId: z.string().min(1).max(16),
    passwordEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/),
    prefixes: z.array(z.string().regex(/^(\+[0-9]{1,15})?$/)).min(1),
    /** Outstanding submit_sm without a response, per bind. */
    windowSize: z.number().int().min(1).max(100).default(10),
    /** Segments (submit_sm PDUs) per second the carrier agreed to. */
    tps: z.number().positive().max(10_000).default(20),
    allowPlaintext: z.boolean().default(false),
    /** How long texts are concatenated: a UDH in the message (default) or SAR TLVs. */
    concatenation: z.enum(["udh", "sar"]).default("udh"),
    /** Seconds between enquire_link keep-alives. */
    enquireLinkSeconds: z.number().int().min(5).max(300).default(30),
  })
  .strict()
  .refine((entry) => entry.tls || entry.allowPlaintext, {
    message: 'plaintext SMPP is refused unless the entry says "allowPlaintext": true',
    path: ["tls"],
  });

export type SmppCarrierEntry = z.infer<typeof smppCarrierEntry>;
export type SmppCarrierEntryInput = z.input<typeof smppCarrierEntry>;

/** Parses one entry; the error names the carrier and the first problem (one line for start-up). */
export function parseSmppCarrierEntry(value: unknown): SmppCarrierEntry {
  const parsed = smppCarrierEntry.safeParse(value);
  if (parsed.success) return parsed.data;
  const id = typeof value === "object" && value !== null && "id" in value ? String(value.id) : "?";
  const issue = parsed.error.issues[0];
  const where = issue?.path.join(".") || "entry";
  throw new Error(`carrier ${id}: ${where}: ${issue?.message ?? "invalid"}`, { cause: parsed.error });
}
