/**
 * `textgate carriers add|update|list|disable|test|quality`: the operator API's carrier routes.
 * `add` takes an entry in the carriers-file shape (docs/carriers.md); an http carrier's secrets come
 * from the environment variables the entry names (never from flags: shell history, process lists)
 * and travel only inside the signed request, where the function seals them at once.
 */
import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import type { AdminClient } from "./client.ts";
import { CliError, exitCodes } from "./errors.ts";
import { keyValues, table } from "./output.ts";

export interface CarrierCommandDeps {
  readonly client: () => Promise<AdminClient>;
  readonly apiUrl: () => Promise<string>;
  readonly print: (result: unknown, human: (value: never) => string) => void;
}

interface Figures {
  submitted: number;
  deliveryRate: number | null;
  submitSuccessRate: number | null;
  timeToDlrSeconds: { p50: number | null; p95: number | null };
  errorCodes: Record<string, number>;
  tlsShare: number | null;
  byPrefix?: Record<string, Figures>;
}
interface CarrierRow {
  carrierId: string;
  protocol: string;
  prefixes: string[];
  priority: number;
  enabled: boolean;
  tls: boolean;
  quality: { last24h: Figures; last7d: Figures };
}
interface QualityReport {
  carrierId: string;
  last24h: Figures;
  last7d: Figures;
}

const percent = (rate: number | null) => (rate === null ? "-" : `${(rate * 100).toFixed(1)}%`);
const seconds = (value: number | null) => (value === null ? "-" : `≤${value}s`);
const carrierPath = (carrierId: string) => `/v1/admin/carriers/${encodeURIComponent(carrierId)}`;
const list = (value: string) =>
  value
    .split(",")
    .map((item) => item.trim())
    .filter(Boolean);
const wholeNumber = (value: string): number => {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0)
    throw new CliError(`not a whole number: ${value}`, exitCodes.usage);
  return parsed;
};

/** Fields of a carriers-file entry that only the local SMPP connector uses (binds on a stage live in its config). */
const SMPP_BIND_FIELDS = ["host", "port", "caFile", "systemId", "passwordEnv", "windowSize", "tps"];

function secretFromEnv(entry: Record<string, unknown>, field: string): string {
  const name = entry[field];
  if (typeof name !== "string") throw new CliError(`the entry needs "${field}"`, exitCodes.usage);
  const value = process.env[name];
  if (!value) throw new CliError(`secret ${name} (${field}) is not set in the environment`, exitCodes.usage);
  return value;
}

/** The entry to add: the file's only entry, or the one named by --id in a carriers file. */
async function entryFrom(path: string, id: string | undefined): Promise<Record<string, unknown>> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, "utf8"));
  } catch (error) {
    throw new CliError(`cannot read ${path}: ${(error as Error).message}`, exitCodes.usage, { cause: error });
  }
  const carriers = (json as { carriers?: unknown }).carriers;
  const entries = (Array.isArray(carriers) ? carriers : [json]) as Record<string, unknown>[];
  const picked = id ? entries.filter((entry) => entry?.id === id) : entries;
  if (picked.length !== 1 || typeof picked[0] !== "object" || picked[0] === null) {
    throw new CliError(
      id ? `no carrier "${id}" in ${path}` : `${path} has ${entries.length} carriers: pick one with --id`,
      exitCodes.usage,
    );
  }
  return picked[0];
}

/** The carriers-file entry as the operator API takes it (secrets resolved, bind details left out). */
export function apiEntryOf(entry: Record<string, unknown>, apiUrl: string): Record<string, unknown> {
  if (entry.type === "http") {
    const { passwordEnv: _p, dlrSecretEnv: _d, ...route } = entry;
    return {
      ...route,
      apiToken: secretFromEnv(entry, "passwordEnv"),
      dlrSecret: secretFromEnv(entry, "dlrSecretEnv"),
      dlrUrl: new URL(`/v1/carriers/${String(entry.id)}/dlr`, apiUrl).toString(),
    };
  }
  if (entry.type === "smpp")
    return Object.fromEntries(Object.entries(entry).filter(([field]) => !SMPP_BIND_FIELDS.includes(field)));
  return entry;
}

function carrierRows(carriers: readonly CarrierRow[]) {
  return carriers.map((carrier) => ({
    carrierId: carrier.carrierId,
    protocol: carrier.protocol,
    prefixes: carrier.prefixes,
    priority: carrier.priority,
    enabled: carrier.enabled,
    tls: carrier.tls,
    "sent 24h": carrier.quality.last24h.submitted,
    "delivered 24h": percent(carrier.quality.last24h.deliveryRate),
    "delivered 7d": percent(carrier.quality.last7d.deliveryRate),
    "dlr p50/p95 24h": `${seconds(carrier.quality.last24h.timeToDlrSeconds.p50)}/${seconds(carrier.quality.last24h.timeToDlrSeconds.p95)}`,
  }));
}

function qualityRows(report: QualityReport) {
  const rows = [];
  for (const [window, figures] of [
    ["24h", report.last24h],
    ["7d", report.last7d],
  ] as const) {
    for (const [prefix, scoped] of [["all", figures] as const, ...Object.entries(figures.byPrefix ?? {})]) {
      rows.push({
        window,
        prefix,
        submitted: scoped.submitted,
        "submit ok": percent(scoped.submitSuccessRate),
        delivered: percent(scoped.deliveryRate),
        "dlr p50": seconds(scoped.timeToDlrSeconds.p50),
        "dlr p95": seconds(scoped.timeToDlrSeconds.p95),
        tls: percent(scoped.tlsShare),
        errors: Object.entries(scoped.errorCodes)
          .map(([code, count]) => `${code}:${count}`)
          .join(" "),
      });
    }
  }
  return rows;
}

export function registerCarrierCommands(program: Command, deps: CarrierCommandDeps): void {
  const carriers = program.command("carriers").description("Carrier routes and their quality figures");

  carriers
    .command("list")
    .description("List carrier routes with 24 h / 7 d quality figures (secrets are never shown)")
    .action(async () => {
      const result = await (await deps.client()).call<{ carriers: CarrierRow[] }>(
        "GET",
        "/v1/admin/carriers",
      );
      deps.print(result, (value: { carriers: CarrierRow[] }) => {
        const rows = carrierRows(value.carriers);
        return table(rows, Object.keys(rows[0] ?? { carrierId: "" }));
      });
    });

  carriers
    .command("add <entryFile>")
    .description(
      "Add a carrier route from a carriers-file entry (JSON: one entry, or a carriers file with --id); " +
        "an http entry's passwordEnv/dlrSecretEnv name the environment variables holding its secrets",
    )
    .option("--id <carrierId>", "the entry to add from a carriers file")
    .option("--reason <text>", "why (kept in the operator log)")
    .action(async (entryFile: string, options: { id?: string; reason?: string }) => {
      const entry = apiEntryOf(await entryFrom(entryFile, options.id), await deps.apiUrl());
      const added = await (await deps.client()).call<Record<string, unknown>>("POST", "/v1/admin/carriers", {
        carrier: entry,
        ...(options.reason ? { reason: options.reason } : {}),
      });
      deps.print(added, keyValues);
    });

  carriers
    .command("update <carrierId>")
    .description("Change a carrier route; --rotate-secrets reads CARRIER_API_TOKEN and CARRIER_DLR_SECRET")
    .option("--name <name>")
    .option("--prefixes <list>", "E.164 prefixes it serves, e.g. +372,+371", list)
    .option("--priority <n>", "0-1000, lower is preferred", wholeNumber)
    .option("--weight <n>", "share among equal routes", wholeNumber)
    .option("--enable", "enable a disabled route")
    .option("--agreed-delivery-rate <rate>", 'in (0, 1], or "none" for the default')
    .option("--test-account <accountId>", "the account test sends belong to (with --test-numbers)")
    .option("--test-numbers <list>", "E.164 test numbers for the hourly test sends", list)
    .option("--no-probe", "stop the carrier's test sends")
    .option("--rotate-secrets", "new http secrets from CARRIER_API_TOKEN and CARRIER_DLR_SECRET")
    .option("--reason <text>", "why (kept in the operator log)")
    .action(async (carrierId: string, options) => {
      const rate = options.agreedDeliveryRate as string | undefined;
      const body = {
        ...(options.name ? { name: options.name } : {}),
        ...(options.prefixes ? { prefixes: options.prefixes } : {}),
        ...(options.priority !== undefined ? { priority: options.priority } : {}),
        ...(options.weight !== undefined ? { weight: options.weight } : {}),
        ...(options.enable ? { enabled: true } : {}),
        ...(rate !== undefined ? { agreedDeliveryRate: rate === "none" ? null : Number(rate) } : {}),
        ...(options.testNumbers
          ? { qualityProbe: { accountId: options.testAccount, testNumbers: options.testNumbers } }
          : {}),
        ...(options.probe === false ? { qualityProbe: null } : {}),
        ...(options.rotateSecrets
          ? {
              apiToken: secretFromEnv({ v: "CARRIER_API_TOKEN" }, "v"),
              dlrSecret: secretFromEnv({ v: "CARRIER_DLR_SECRET" }, "v"),
            }
          : {}),
        ...(options.reason ? { reason: options.reason } : {}),
      };
      deps.print(await (await deps.client()).call("PATCH", carrierPath(carrierId), body), keyValues);
    });

  carriers
    .command("disable <carrierId>")
    .description("Disable a carrier route: routing skips it")
    .requiredOption("--reason <text>", "why (required; kept in the operator log)")
    .action(async (carrierId: string, options: { reason: string }) => {
      const route = await (await deps.client()).call<{ carrierId: string; enabled: boolean }>(
        "POST",
        `${carrierPath(carrierId)}/disable`,
        { reason: options.reason },
      );
      deps.print(route, (value: { carrierId: string }) => `Carrier ${value.carrierId} is disabled.`);
    });

  carriers
    .command("test <carrierId>")
    .description("Send a test message through this carrier (to --to, or to its configured test numbers)")
    .option("--to <number>", "an E.164 number (default: the carrier's qualityProbe numbers)")
    .option("--account <accountId>", "the account the message belongs to (default: the probe's)")
    .option("--reason <text>", "why (kept in the operator log)")
    .action(async (carrierId: string, options: { to?: string; account?: string; reason?: string }) => {
      const result = await (await deps.client()).call("POST", `${carrierPath(carrierId)}/test`, {
        ...(options.to ? { to: options.to } : {}),
        ...(options.account ? { accountId: options.account } : {}),
        ...(options.reason ? { reason: options.reason } : {}),
      });
      deps.print(result, (value: { sends: Record<string, unknown>[] }) =>
        table(value.sends, ["to", "messageId", "outcome"]),
      );
    });

  carriers
    .command("quality <carrierId>")
    .description(
      "Quality report: submit success, delivery rate, time to DLR, TLS, errors (24 h, 7 d, per prefix)",
    )
    .action(async (carrierId: string) => {
      const report = await (await deps.client()).call<QualityReport>(
        "GET",
        `${carrierPath(carrierId)}/quality`,
      );
      deps.print(report, (value: QualityReport) => {
        const rows = qualityRows(value);
        return table(rows, Object.keys(rows[0] ?? {}));
      });
    });
}
