/**
 * What stands in the way of smaller hot bundles, measured rather than guessed (issue 14): the size
 * of the libphonenumber-js metadata sets and which numbers would change verdict with a smaller one,
 * and what zod/mini would save on a schema set like the send request's. Nothing here is shipped;
 * `npm run bench -- --only bundles` prints these figures under the bundle table.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";
import examples from "libphonenumber-js/examples.mobile.json";
import * as max from "libphonenumber-js/max";
import * as min from "libphonenumber-js/min";
import * as mobile from "libphonenumber-js/mobile";
import * as z from "zod";
import * as zm from "zod/mini";
import { NON_SMS_TYPES, parsePhone } from "../functions/messages/phone.ts";
import { functionBuildOptions } from "../lib/bundling.ts";
import { outRoot, projectRoot } from "./bundles.ts";

const PHONE_SETS = ["max", "min", "mobile"] as const;
type PhoneSet = (typeof PHONE_SETS)[number];

export interface Alternatives {
  /** Minified bytes of parsePhoneNumberWithError + isValid + getType with each metadata set. */
  readonly phoneBytes: Readonly<Record<PhoneSet, number>>;
  /** Sampled numbers valid under "max" or the smaller set, and how many change verdict, by max's number type. */
  readonly phoneVerdicts: Readonly<
    Record<
      "min" | "mobile",
      {
        sampled: number;
        /** Accepted by one set, refused by the other. */
        changed: number;
        byType: Readonly<Record<string, number>>;
        /** Refused by both, but for another reason (so with another problem detail). */
        reasonChanged: number;
      }
    >
  >;
  /** Minified bytes of the same request schemas written with zod (classic) and zod/mini, and whether z.toJSONSchema takes the mini ones. */
  readonly zod: { classic: number; mini: number; jsonSchemaSame: boolean };
}

async function minifiedBytes(name: string, source: string): Promise<number> {
  const dir = join(outRoot, "_alternatives");
  mkdirSync(dir, { recursive: true });
  const entry = join(dir, `${name}.ts`);
  writeFileSync(entry, source);
  const { metafile } = await build({
    ...functionBuildOptions(projectRoot, entry, join(dir, name)),
    metafile: true,
    write: false,
    logLevel: "error",
  });
  return Object.values(metafile.outputs).reduce((sum, output) => sum + output.bytes, 0);
}

type Library = typeof max | typeof min | typeof mobile;

/** parsePhone's verdict (functions/messages/phone.ts) with another metadata set: accepted or why not. */
function verdictWith(library: Library, raw: string): string {
  try {
    const parsed = library.parsePhoneNumberWithError(raw);
    if (!parsed.isPossible()) return "impossible";
    if (!parsed.isValid() || !parsed.country) return "invalid";
    const type = parsed.getType();
    return type && NON_SMS_TYPES.has(type) ? `refused ${type}` : "accepted";
  } catch {
    return "unparsable";
  }
}

/**
 * Numbers near each country's mobile example (same length, the first `keep` national digits kept,
 * the rest drawn from a fixed-seed generator): they land in mobile, fixed-line, VoIP, … ranges alike.
 */
function* sampleNumbers(perCountry: number): Generator<string> {
  let seed = 14;
  const random = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  for (const [country, national] of Object.entries(examples as Record<string, string>)) {
    const code = max.getCountryCallingCode(country as max.CountryCode);
    for (let i = 0; i < perCountry; i++) {
      const keep = i % 3;
      const digits = [...national].map((digit, at) =>
        at < keep ? digit : String(Math.floor(random() * 10)),
      );
      yield `+${code}${digits.join("")}`;
    }
  }
}

function phoneVerdicts(perCountry: number): Alternatives["phoneVerdicts"] {
  const tally = {
    min: { sampled: 0, changed: 0, byType: {} as Record<string, number>, reasonChanged: 0 },
    mobile: { sampled: 0, changed: 0, byType: {} as Record<string, number>, reasonChanged: 0 },
  };
  for (const raw of sampleNumbers(perCountry)) {
    const reference = verdictWith(max, raw);
    // The replica must be parsePhone itself, or the comparison says nothing.
    let shipped: string;
    try {
      parsePhone(raw);
      shipped = "accepted";
    } catch {
      shipped = "not accepted";
    }
    if ((reference === "accepted") !== (shipped === "accepted"))
      throw new Error(`bench replica of parsePhone disagrees on ${raw}`);
    for (const [set, library] of [
      ["min", min],
      ["mobile", mobile],
    ] as const) {
      const other = verdictWith(library, raw);
      if (reference === "unparsable" && other === "unparsable") continue;
      const entry = tally[set];
      entry.sampled++;
      if ((other === "accepted") === (reference === "accepted")) {
        if (other !== reference) entry.reasonChanged++;
        continue;
      }
      entry.changed++;
      const key = `${reference === "accepted" ? `${max.parsePhoneNumberWithError(raw).getType() ?? "untyped"} accepted` : reference} → ${other}`;
      entry.byType[key] = (entry.byType[key] ?? 0) + 1;
    }
  }
  return tally;
}

const CLASSIC_SCHEMAS = `import * as z from "zod";
export const request = z.strictObject({
  to: z.string().regex(/^\\+[1-9][0-9]{6,14}$/),
  text: z.string().min(1).max(1600),
  from: z.string().min(3).max(15).optional(),
  priority: z.enum(["low", "normal", "high"]).default("normal"),
  scheduleAt: z.iso.datetime().optional(),
  callbackUrl: z.url().max(2048).optional(),
  validitySeconds: z.number().int().min(60).max(259200).optional(),
  metadata: z.record(z.string(), z.string().max(256)).optional(),
});
export const response = z.object({ id: z.string(), status: z.literal("queued"), segments: z.number().int(), encoding: z.enum(["GSM-7", "UCS-2"]), price: z.object({ amount: z.string(), currency: z.string().length(3) }) });
export const parse = (input: unknown) => request.safeParse(input);
`;

const MINI_SCHEMAS = `import * as z from "zod/mini";
export const request = z.strictObject({
  to: z.string().check(z.regex(/^\\+[1-9][0-9]{6,14}$/)),
  text: z.string().check(z.minLength(1), z.maxLength(1600)),
  from: z.optional(z.string().check(z.minLength(3), z.maxLength(15))),
  priority: z._default(z.enum(["low", "normal", "high"]), "normal"),
  scheduleAt: z.optional(z.iso.datetime()),
  callbackUrl: z.optional(z.url().check(z.maxLength(2048))),
  validitySeconds: z.optional(z.number().check(z.int(), z.minimum(60), z.maximum(259200))),
  metadata: z.optional(z.record(z.string(), z.string().check(z.maxLength(256)))),
});
export const response = z.object({ id: z.string(), status: z.literal("queued"), segments: z.number().check(z.int()), encoding: z.enum(["GSM-7", "UCS-2"]), price: z.object({ amount: z.string(), currency: z.string().check(z.length(3)) }) });
export const parse = (input: unknown) => z.safeParse(request, input);
`;

/** The same schema in both flavours, for the toJSONSchema check (the OpenAPI document is generated from the handlers' schemas). */
function jsonSchemaSame(): boolean {
  const classic = z.object({ to: z.string().regex(/^\+[0-9]+$/), n: z.number().int().min(1).optional() });
  const mini = zm.object({
    to: zm.string().check(zm.regex(/^\+[0-9]+$/)),
    n: zm.optional(zm.number().check(zm.int(), zm.minimum(1))),
  });
  return JSON.stringify(z.toJSONSchema(classic)) === JSON.stringify(z.toJSONSchema(mini));
}

export async function measureAlternatives(perCountry = 60): Promise<Alternatives> {
  const phoneBytes = {} as Record<PhoneSet, number>;
  for (const set of PHONE_SETS) {
    phoneBytes[set] = await minifiedBytes(
      `phone-${set}`,
      `import { parsePhoneNumberWithError } from "libphonenumber-js/${set}";\nexport const check = (raw: string) => { const p = parsePhoneNumberWithError(raw); return [p.isPossible(), p.isValid(), p.getType()]; };\n`,
    );
  }
  return {
    phoneBytes,
    phoneVerdicts: phoneVerdicts(perCountry),
    zod: {
      classic: await minifiedBytes("zod-classic", CLASSIC_SCHEMAS),
      mini: await minifiedBytes("zod-mini", MINI_SCHEMAS),
      jsonSchemaSame: jsonSchemaSame(),
    },
  };
}
