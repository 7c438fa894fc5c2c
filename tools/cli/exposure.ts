/**
 * `textgate incidents exposure`: the incident exposure query (POST /v1/admin/incidents/exposure),
 * following its cursor to the end and adding the pages up. Steps: docs/runbooks/incident-response.md.
 */
import { writeFile } from "node:fs/promises";
import type { Command } from "commander";
import type { ExposurePage } from "../../functions/admin/exposure-schemas.ts";
import type { AdminClient } from "./client.ts";
import { CliError, exitCodes } from "./errors.ts";
import { type ExposureReport, humanReport, markdownReport, mergePage } from "./exposure-report.ts";

interface ExposureOptions {
  apiKey?: string;
  user?: string;
  carrier?: string;
  function?: string;
  all?: boolean;
  from: string;
  to: string;
  markdown?: string;
}

function scopeOf(options: ExposureOptions): Record<string, string | true> {
  const named: [string, string | true | undefined][] = [
    ["apiKey", options.apiKey],
    ["user", options.user],
    ["carrier", options.carrier],
    ["function", options.function],
    ["all", options.all ? true : undefined],
  ];
  const chosen = named.filter(([, value]) => value !== undefined);
  const [only] = chosen;
  if (chosen.length !== 1 || !only?.[1])
    throw new CliError(
      "name exactly one of --api-key, --user, --carrier, --function, --all",
      exitCodes.usage,
    );
  return { [only[0]]: only[1] };
}

/** One line on stderr per page once the query runs longer than a second (terminals only). */
function progress(stream: NodeJS.WriteStream = process.stderr) {
  const startedAt = Date.now();
  let shown = false;
  return {
    page(report: ExposureReport): void {
      if (!stream.isTTY || Date.now() - startedAt < 1000) return;
      shown = true;
      const { messages, verifications, accounts, audit } = report.scanned;
      stream.write(
        `\r\x1b[2K… scanned ${messages} messages, ${verifications} verifications, ${accounts} account items, ${audit} audit events; ${report.accounts.length} accounts so far`,
      );
    },
    done(): void {
      if (shown) stream.write("\r\x1b[2K");
    },
  };
}

export function registerExposureCommand(
  incidents: Command,
  context: { client: () => Promise<AdminClient>; json: () => boolean },
): void {
  incidents
    .command("exposure")
    .description(
      "Which accounts and data classes a compromised key, user, carrier or function exposed in a window",
    )
    .option("--api-key <keyId>", "an API key id (key_…)")
    .option("--user <userId>", "a user id (usr_…)")
    .option("--carrier <carrierId>", "a carrier route id")
    .option("--function <functionId>", "a function id of the catalogue, e.g. dispatch")
    .option("--all", "every account with data in the window")
    .requiredOption("--from <ISO>", "window start, e.g. 2026-11-30T00:00:00Z")
    .requiredOption("--to <ISO>", "window end")
    .option("--markdown <file>", "also write a Markdown report per account (customer notifications)")
    .action(async (options: ExposureOptions) => {
      const scope = scopeOf(options);
      const api = await context.client();
      const shown = progress();
      let report: ExposureReport | undefined;
      let cursor: string | undefined;
      try {
        do {
          const page: ExposurePage = await api.call<ExposurePage>("POST", "/v1/admin/incidents/exposure", {
            from: options.from,
            to: options.to,
            scope,
            ...(cursor ? { cursor } : {}),
          });
          report = mergePage(report, page);
          cursor = page.nextCursor;
          shown.page(report);
        } while (cursor);
      } finally {
        shown.done();
      }
      if (options.markdown) await writeFile(options.markdown, markdownReport(report), "utf8");
      process.stdout.write(`${context.json() ? JSON.stringify(report, null, 2) : humanReport(report)}\n`);
    });
}
