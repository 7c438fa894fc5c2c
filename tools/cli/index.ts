/**
 * `textgate`: the operator CLI. Calls the operator API (/v1/admin/…, AWS IAM signed) of the local
 * platform (default: .textgate/local.json) or of a deployed stage (--stage, default AWS credentials).
 * Errors are one line on stderr; exit codes in ./errors.ts.
 */
import { Command, CommanderError } from "commander";
import { registerCarrierCommands } from "./carriers.ts";
import { AdminClient } from "./client.ts";
import { registerDeadLetterCommands } from "./dlq.ts";
import { CliError, exitCodes } from "./errors.ts";
import { registerExposureCommand } from "./exposure.ts";
import { keyValues, slowNotice, table } from "./output.ts";
import { addRetentionOptions, retentionBody } from "./retention-options.ts";
import { localTarget, stageTarget, type Target } from "./target.ts";

interface GlobalOptions {
  stage?: string;
  region: string;
  apiUrl?: string;
  json?: boolean;
}

const program = new Command("textgate")
  .description(
    "Operate a Textgate deployment: accounts, users, carriers, dead letters and status-page incidents (AWS IAM signed operator API)",
  )
  .option("--stage <name>", "a deployed stage (stack Textgate-<name>); default: the local platform")
  .option("--region <region>", "AWS region of the stage", process.env.AWS_REGION ?? "eu-central-1")
  .option("--api-url <url>", "API base URL (default: local.json, or the stack's ApiUrl output)")
  .option("--json", "print JSON for scripts")
  .exitOverride()
  .configureOutput({
    outputError: (text, write) => write(`textgate: ${text.replace(/^error: /, "").trim()}\n`),
  });

const globals = (): GlobalOptions => program.opts<GlobalOptions>();

async function target(): Promise<Target> {
  const options = globals();
  if (options.stage) {
    return stageTarget(options.stage, {
      region: options.region,
      ...(options.apiUrl ? { apiUrl: options.apiUrl } : {}),
    });
  }
  const local = await localTarget();
  return options.apiUrl ? { ...local, apiUrl: options.apiUrl } : local;
}

async function client(): Promise<AdminClient> {
  return new AdminClient(await target(), slowNotice());
}

/** --json prints the API answer; otherwise the human form. */
function print(result: unknown, human: (value: never) => string): void {
  process.stdout.write(`${globals().json ? JSON.stringify(result, null, 2) : human(result as never)}\n`);
}

interface AccountView {
  accountId: string;
  name: string;
  status: string;
  allowedCountries: string[];
  retentionDays: number;
  createdAt: string;
}

const accountColumns = ["accountId", "name", "status", "allowedCountries", "retentionDays", "createdAt"];
const countryList = (value: string): string[] =>
  value
    .split(",")
    .map((code) => code.trim().toUpperCase())
    .filter(Boolean);
const positiveInt = (value: string): number => {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1)
    throw new CliError(`not a positive whole number: ${value}`, exitCodes.usage);
  return parsed;
};
/** A daily limit, or "none" to remove it (update only): the account's limits object. */
const dailyLimit = (value: string): { messagesPerDay?: number } =>
  value === "none" ? {} : { messagesPerDay: positiveInt(value) };
const accountPath = (accountId: string) => `/v1/admin/accounts/${encodeURIComponent(accountId)}`;

const accounts = program.command("accounts").description("Customer accounts");

addRetentionOptions(
  accounts
    .command("create")
    .description("Create an account and invite its owner (prints the owner's invitation token)")
    .requiredOption("--name <name>", "account name")
    .requiredOption("--countries <codes>", "countries it may send to, e.g. EE,LV", countryList)
    .requiredOption("--owner-email <email>", "the owner's email (the invitation is sent there)"),
)
  .option(
    "--messages-per-day <n>",
    "messages the send API accepts per UTC day (default: no limit)",
    dailyLimit,
  )
  .option("--reason <text>", "why (kept in the audit logs)")
  .action(async (options) => {
    const created = await (await client()).call<{ accountId: string; ownerInvitationToken: string }>(
      "POST",
      "/v1/admin/accounts",
      {
        name: options.name,
        allowedCountries: options.countries,
        ...retentionBody(options),
        ownerEmail: options.ownerEmail,
        ...(options.messagesPerDay ? { limits: options.messagesPerDay } : {}),
        ...(options.reason ? { reason: options.reason } : {}),
      },
    );
    print(
      created,
      (value: { accountId: string; ownerInvitationToken: string; ownerInvitationExpiresAt: string }) =>
        [
          `Created account ${value.accountId}.`,
          `Owner invitation (also emailed; expires ${value.ownerInvitationExpiresAt}):`,
          `  ${value.ownerInvitationToken}`,
          "The owner accepts it with POST /v1/account/invitations/accept {token, password}.",
        ].join("\n"),
    );
  });

accounts
  .command("list")
  .description("List accounts")
  .option("--limit <n>", "accounts per page", positiveInt, 50)
  .option("--cursor <cursor>", "nextCursor of the previous page")
  .option("--all", "follow every page")
  .action(async (options) => {
    const api = await client();
    const all: AccountView[] = [];
    let cursor: string | undefined = options.cursor;
    let nextCursor: string | undefined;
    do {
      const query = new URLSearchParams({ limit: String(options.limit), ...(cursor ? { cursor } : {}) });
      const page = await api.call<{ accounts: AccountView[]; nextCursor?: string }>(
        "GET",
        `/v1/admin/accounts?${query}`,
      );
      all.push(...page.accounts);
      nextCursor = page.nextCursor;
      cursor = nextCursor;
    } while (options.all && cursor);
    print(
      { accounts: all, ...(nextCursor ? { nextCursor } : {}) },
      (value: { accounts: AccountView[]; nextCursor?: string }) =>
        [
          table(value.accounts as never, accountColumns),
          ...(value.nextCursor ? [`next page: --cursor ${value.nextCursor}`] : []),
        ].join("\n"),
    );
  });

accounts
  .command("show <accountId>")
  .description("Show one account")
  .action(async (accountId: string) => {
    print(await (await client()).call("GET", accountPath(accountId)), keyValues);
  });

addRetentionOptions(
  accounts
    .command("update <accountId>")
    .description("Change an account's name, countries, retention, retention bounds or daily limit")
    .option("--name <name>")
    .option("--countries <codes>", "e.g. EE,LV,LT", countryList),
)
  .option("--messages-per-day <n>", 'daily send limit (UTC day), or "none" to remove it', dailyLimit)
  .option("--reason <text>", "why (kept in the audit logs)")
  .action(async (accountId: string, options) => {
    const body = {
      ...(options.name ? { name: options.name } : {}),
      ...(options.countries ? { allowedCountries: options.countries } : {}),
      ...retentionBody(options),
      ...(options.messagesPerDay ? { limits: options.messagesPerDay } : {}),
      ...(options.reason ? { reason: options.reason } : {}),
    };
    print(await (await client()).call("PATCH", accountPath(accountId), body), keyValues);
  });

for (const [verb, description] of [
  ["suspend", "Suspend: its API keys (within 30 s) and signed-in users (at once) are refused"],
  ["reactivate", "Reactivate a suspended account"],
  ["close", "Close for good: refused like a suspension, data deleted after its retention"],
] as const) {
  accounts
    .command(`${verb} <accountId>`)
    .description(description)
    .option("--reason <text>", "why (kept in the audit logs)")
    .action(async (accountId: string, options: { reason?: string }) => {
      const body = options.reason ? { reason: options.reason } : {};
      const account = await (await client()).call<AccountView>(
        "POST",
        `${accountPath(accountId)}/${verb}`,
        body,
      );
      print(account, (value: AccountView) => `Account ${value.accountId} is ${value.status}.`);
    });
}

const users = program.command("users").description("Users of an account");
const userPath = (accountId: string, userId: string) =>
  `${accountPath(accountId)}/users/${encodeURIComponent(userId)}`;

users
  .command("unlock <accountId> <userId>")
  .description("Clear a user's sign-in back-off and lock")
  .option("--reason <text>", "why (kept in the audit logs)")
  .action(async (accountId: string, userId: string, options: { reason?: string }) => {
    const body = options.reason ? { reason: options.reason } : {};
    print(await (await client()).call("POST", `${userPath(accountId, userId)}/unlock`, body), keyValues);
  });

users
  .command("reset-mfa <accountId> <userId>")
  .description("Remove a user's second factors and end their sessions (they enrol again)")
  .requiredOption("--reason <text>", "why (required; kept in the audit logs)")
  .action(async (accountId: string, userId: string, options: { reason: string }) => {
    print(
      await (await client()).call("POST", `${userPath(accountId, userId)}/reset-mfa`, {
        reason: options.reason,
      }),
      keyValues,
    );
  });

registerCarrierCommands(program, {
  client,
  apiUrl: async () => (await target()).apiUrl,
  print,
});

const incidents = program.command("incidents").description("Incidents on the public status page");
const incidentPath = (incidentId: string) => `/v1/admin/incidents/${encodeURIComponent(incidentId)}`;

interface IncidentView {
  incidentId: string;
  title: string;
  status: string;
  impact: string;
  components: string[];
}

const incidentLine = (value: IncidentView) =>
  `Incident ${value.incidentId} (${value.impact}, ${value.components.join(",")}) is ${value.status}: ${value.title}`;

incidents
  .command("post")
  .description("Post an incident on /status and /status.json (status: investigating)")
  .requiredOption("--title <text>", "public title")
  .requiredOption("--impact <level>", "minor, major or critical")
  .requiredOption("--components <ids>", "affected component ids, e.g. otp-sms,bulk-sms", (value: string) =>
    value
      .split(",")
      .map((id) => id.trim())
      .filter(Boolean),
  )
  .requiredOption("--message <text>", "the first public update")
  .action(async (options) => {
    const posted = await (await client()).call<IncidentView>("POST", "/v1/admin/incidents", {
      title: options.title,
      impact: options.impact,
      components: options.components,
      message: options.message,
    });
    print(posted, incidentLine);
  });

incidents
  .command("update <incidentId>")
  .description("Add a public update to an open incident")
  .requiredOption("--status <status>", "investigating, identified or monitoring")
  .requiredOption("--message <text>", "the public update")
  .action(async (incidentId: string, options: { status: string; message: string }) => {
    const updated = await (await client()).call<IncidentView>("PATCH", incidentPath(incidentId), {
      status: options.status,
      message: options.message,
    });
    print(updated, incidentLine);
  });

incidents
  .command("resolve <incidentId>")
  .description("Resolve an incident (shown as resolved for 7 days)")
  .requiredOption("--message <text>", "the closing public update")
  .action(async (incidentId: string, options: { message: string }) => {
    const resolved = await (await client()).call<IncidentView>(
      "POST",
      `${incidentPath(incidentId)}/resolve`,
      {
        message: options.message,
      },
    );
    print(resolved, incidentLine);
  });

registerExposureCommand(incidents, { client, json: () => globals().json === true });

registerDeadLetterCommands(program, { client, print, positiveInt });

program
  .command("status")
  .description("The public service status (GET /status.json)")
  .action(async () => {
    const { apiUrl } = await target();
    const response = await fetch(new URL("/status.json", apiUrl)).catch((error: unknown) => {
      throw new CliError(`cannot reach ${apiUrl}: ${(error as Error).message}`, exitCodes.unavailable, {
        cause: error,
      });
    });
    if (!response.ok)
      throw new CliError(`status page answered HTTP ${response.status}`, exitCodes.unavailable);
    const status = (await response.json()) as Record<string, unknown>;
    print(status, (value: Record<string, unknown>) => keyValues(value));
  });

export async function main(argv: readonly string[]): Promise<number> {
  try {
    await program.parseAsync([...argv], { from: "user" });
    return exitCodes.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are exits with code 0; anything else commander already printed.
      return error.exitCode === 0 ? exitCodes.ok : exitCodes.usage;
    }
    if (error instanceof CliError) {
      process.stderr.write(`textgate: ${error.message}\n`);
      return error.exitCode;
    }
    process.stderr.write(`textgate: ${error instanceof Error ? error.message : String(error)}\n`);
    return exitCodes.unavailable;
  }
}

process.exitCode = await main(process.argv.slice(2));
