/**
 * The carriers file of `npm start -- --carriers <file>` (format: docs/carriers.md). Parsed and checked
 * completely before anything starts: a bad entry stops start-up with ONE line naming the carrier and
 * the problem. Secrets are never in the file, only the names of the environment variables that hold
 * them; the values are read here and stay in memory.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import * as z from "zod";
import {
  awsSmsEntry,
  entryProblem,
  host,
  httpRouteFields,
  port,
  smppRouteFields,
} from "../functions/carriers/entry-schema.ts";

/** The route part of every entry is functions/carriers/entry-schema.ts (shared with the operator API). */
const envName = z.string().regex(/^[A-Z_][A-Z0-9_]{0,127}$/, "must be an environment variable name");

const smppEntry = z.strictObject({
  ...smppRouteFields,
  host,
  port,
  /** PEM file of the CA that signed the SMSC's certificate (relative to the carriers file). */
  caFile: z.string().min(1).optional(),
  systemId: z.string().min(1).max(15),
  passwordEnv: envName,
  windowSize: z.number().int().min(1).max(100).default(10),
  /** Segments per second this SMSC allows. */
  tps: z.number().positive().max(10_000).optional(),
});

const httpEntry = z.strictObject({
  ...httpRouteFields,
  /** The carrier API token. */
  passwordEnv: envName,
  /** The Standard Webhooks secret ("whsec_…") the carrier signs delivery reports with. */
  dlrSecretEnv: envName,
});

const carriersFile = z.strictObject({
  carriers: z.array(z.discriminatedUnion("type", [smppEntry, httpEntry, awsSmsEntry])).min(1),
});

export type SmppCarrierEntry = z.infer<typeof smppEntry> & { readonly password: string };
export type HttpCarrierEntry = z.infer<typeof httpEntry> & {
  readonly password: string;
  readonly dlrSecret: string;
};
export type AwsSmsCarrierEntry = z.infer<typeof awsSmsEntry>;
export type CarrierEntry = SmppCarrierEntry | HttpCarrierEntry | AwsSmsCarrierEntry;

/** One line, naming the carrier (or its position) and the problem. */
export class CarrierConfigError extends Error {
  override name = "CarrierConfigError";
}

function entryLabel(raw: unknown, index: number): string {
  const id = (raw as { id?: unknown } | null)?.id;
  return typeof id === "string" && id.length > 0 && id.length <= 32
    ? `carrier "${id}"`
    : `carrier #${index + 1}`;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const field = issue.path.slice(2).join(".");
  if (issue.code === "unrecognized_keys")
    return `unknown field ${issue.keys.map((k) => `"${k}"`).join(", ")}`;
  if (issue.code === "invalid_union" && field === "") return 'type must be "smpp", "aws-sms" or "http"';
  return field ? `${field}: ${issue.message}` : issue.message;
}

/** Parses and checks a carriers file's JSON text; `env` supplies the named secrets. */
export function parseCarriers(
  text: string,
  options: { readonly env: Readonly<Record<string, string | undefined>>; readonly baseDir: string },
): CarrierEntry[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new CarrierConfigError(`carriers file is not JSON: ${(error as Error).message}`, { cause: error });
  }
  const rawEntries = (json as { carriers?: unknown } | null)?.carriers;
  const parsed = carriersFile.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    if (!issue) throw new CarrierConfigError("carriers file is invalid");
    const index = issue.path[1];
    if (issue.path[0] !== "carriers" || typeof index !== "number") {
      throw new CarrierConfigError(
        `carriers file: ${issue.path.length ? `${issue.path.join(".")}: ` : ""}${
          issue.code === "unrecognized_keys" ? `unknown field ${issue.keys.join(", ")}` : issue.message
        }`,
      );
    }
    const raw = Array.isArray(rawEntries) ? rawEntries[index] : undefined;
    throw new CarrierConfigError(`${entryLabel(raw, index)}: ${describeIssue(issue)}`);
  }
  const seen = new Set<string>();
  return parsed.data.carriers.map((entry) => {
    const fail = (problem: string): never => {
      throw new CarrierConfigError(`carrier "${entry.id}": ${problem}`);
    };
    if (seen.has(entry.id)) fail("id is used twice");
    seen.add(entry.id);
    if (entry.type === "aws-sms") return entry;
    const problem = entryProblem(entry);
    if (problem) fail(problem);
    if (entry.type === "smpp" && entry.caFile !== undefined) {
      if (!entry.tls) fail("caFile needs tls");
      if (!existsSync(resolve(options.baseDir, entry.caFile))) fail(`caFile ${entry.caFile} does not exist`);
    }
    const secret = (name: string): string =>
      options.env[name] || fail(`secret ${name} is not set in the environment`);
    const password = secret(entry.passwordEnv);
    if (entry.type === "http") return { ...entry, password, dlrSecret: secret(entry.dlrSecretEnv) };
    // The connector runs elsewhere (a child process): caFile must not depend on its working directory.
    return {
      ...entry,
      ...(entry.caFile !== undefined ? { caFile: resolve(options.baseDir, entry.caFile) } : {}),
      password,
    };
  });
}

/** Reads and checks the file; paths inside it (caFile) are relative to the file. */
export function readCarriersFile(
  path: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): CarrierEntry[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new CarrierConfigError(`carriers file ${path} cannot be read: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return parseCarriers(text, { env, baseDir: dirname(resolve(path)) });
}
