/**
 * The exposure report of `textgate incidents exposure`: pages of the operator API added up, a
 * human table, and a Markdown report per account for customer notifications.
 */
import type { AccountExposure, ExposurePage } from "../../functions/admin/exposure-schemas.ts";
import { table } from "./output.ts";

export type ExposureReport = Omit<ExposurePage, "nextCursor">;

const SAMPLES = 3;

function mergeAccount(a: AccountExposure, b: AccountExposure): AccountExposure {
  return {
    accountId: a.accountId,
    principals: [...new Set([...a.principals, ...b.principals])],
    classes: {
      numbers: a.classes.numbers + b.classes.numbers,
      bodies: a.classes.bodies + b.classes.bodies,
      codes: a.classes.codes + b.classes.codes,
      credentials: a.classes.credentials + b.classes.credentials,
      metadata: a.classes.metadata + b.classes.metadata,
    },
    records: {
      messages: a.records.messages + b.records.messages,
      verifications: a.records.verifications + b.records.verifications,
      auditEvents: a.records.auditEvents + b.records.auditEvents,
      credentialItems: a.records.credentialItems + b.records.credentialItems,
    },
    samples: [...a.samples, ...b.samples].slice(0, SAMPLES),
  };
}

/** Adds a page to the report so far (each page counts a different part of the tables). */
export function mergePage(report: ExposureReport | undefined, page: ExposurePage): ExposureReport {
  const { nextCursor: _next, ...rest } = page;
  if (!report) return rest;
  const accounts = new Map(report.accounts.map((account) => [account.accountId, account]));
  for (const account of page.accounts) {
    const known = accounts.get(account.accountId);
    accounts.set(account.accountId, known ? mergeAccount(known, account) : account);
  }
  return {
    ...report,
    accounts: [...accounts.values()].sort((x, y) => x.accountId.localeCompare(y.accountId)),
    scanned: {
      messages: report.scanned.messages + page.scanned.messages,
      verifications: report.scanned.verifications + page.scanned.verifications,
      accounts: report.scanned.accounts + page.scanned.accounts,
      audit: report.scanned.audit + page.scanned.audit,
    },
  };
}

const scopeNames: Record<ExposureReport["scope"]["kind"], string> = {
  apiKey: "API key",
  user: "user",
  carrier: "carrier",
  function: "function",
  all: "all data",
};

const scopeLine = (report: ExposureReport): string =>
  report.scope.kind === "all" ? "all data" : `${scopeNames[report.scope.kind]} ${report.scope.id}`;

/** "numbers 3, bodies 3" (classes with a count only). */
const classList = (account: AccountExposure): string =>
  Object.entries(account.classes)
    .filter(([, count]) => count > 0)
    .map(([name, count]) => `${name} ${count}`)
    .join(", ") || "none";

export function humanReport(report: ExposureReport): string {
  const rows = report.accounts.map((account) => ({
    account: account.accountId,
    principals: account.principals.join(","),
    ...account.classes,
    messages: account.records.messages,
    verifications: account.records.verifications,
  }));
  const columns = ["account", "principals", "numbers", "bodies", "codes", "credentials", "metadata"];
  return [
    `Exposure of ${scopeLine(report)} from ${report.from} to ${report.to}`,
    ...(report.principal
      ? [
          `Principal: ${report.principal.type} ${report.principal.id} of ${report.principal.accountId} (${report.principal.status}); could read: ${report.principal.canRead.join(", ") || "nothing"}`,
        ]
      : []),
    `Reachable data classes: ${report.reachable.join(", ") || "none"}`,
    `Affected accounts: ${report.accounts.length}`,
    table(rows, [...columns, "messages", "verifications"]),
    `Scanned: ${report.scanned.messages} messages, ${report.scanned.verifications} verifications, ${report.scanned.accounts} account items, ${report.scanned.audit} audit events`,
  ].join("\n");
}

const whatWeDid: Record<ExposureReport["scope"]["kind"], (report: ExposureReport) => string> = {
  apiKey: (report) =>
    report.principal?.status === "revoked"
      ? `The API key ${report.scope.id} has been revoked; requests with it are refused.`
      : `The API key ${report.scope.id} is being revoked.`,
  user: (report) =>
    `The sessions of user ${report.scope.id} were ended and their sign-in secured (password reset, second factors reviewed).`,
  carrier: (report) => `Traffic to the carrier ${report.scope.id} was stopped and moved to other routes.`,
  function: (report) =>
    `The affected component (${report.scope.id}) was contained and redeployed with rotated secrets.`,
  all: () => "The incident was contained; the affected systems were secured and secrets rotated.",
};

const whatTheyDo: Record<ExposureReport["scope"]["kind"], readonly string[]> = {
  apiKey: [
    "Create a new API key and replace the revoked one where you use it.",
    "Check your messages and verifications in the window for sends you do not recognise.",
  ],
  user: [
    "Review the account's users, API keys and webhooks; revoke what you do not recognise.",
    "Rotate API keys created in the window.",
  ],
  carrier: ["Tell the recipients if your messages carried sensitive content."],
  function: ["Rotate API keys and webhook secrets as a precaution."],
  all: ["Rotate API keys and webhook secrets as a precaution."],
};

const classMeaning: Record<string, string> = {
  numbers: "recipients' phone numbers",
  bodies: "message texts",
  codes: "one-time codes inside verification texts (short-lived; expired codes are useless)",
  credentials: "credentials (new API keys, invitations, key and password hashes)",
  metadata: "message metadata with masked numbers (status, country, price)",
};

/** One section per affected account, written for the customer (no bodies, no codes, masked numbers). */
export function markdownReport(report: ExposureReport): string {
  const lines = [
    "# Security incident: data exposure report",
    "",
    `- Window: ${report.from} – ${report.to} (UTC)`,
    `- Scope: ${scopeLine(report)}`,
    `- Affected accounts: ${report.accounts.length}`,
    "",
  ];
  if (report.accounts.length === 0) lines.push("No account had data in scope in this window.", "");
  for (const account of report.accounts) {
    lines.push(
      `## Account ${account.accountId}`,
      "",
      `- Window: ${report.from} – ${report.to} (UTC)`,
      `- Principals involved: ${account.principals.join(", ")}`,
      `- Data classes and record counts: ${classList(account)}`,
      `- Records: ${account.records.messages} messages, ${account.records.verifications} verifications, ${account.records.auditEvents} audit events`,
      "",
      "### What was exposed",
      "",
      ...Object.entries(account.classes)
        .filter(([, count]) => count > 0)
        .map(([name, count]) => `- ${count} × ${classMeaning[name] ?? name}`),
      "",
      `Examples: ${account.samples.map((sample) => (sample.to ? `${sample.id} (${sample.to})` : sample.id)).join(", ") || "-"}`,
      "",
      "### What we did",
      "",
      whatWeDid[report.scope.kind](report),
      "",
      "### What you should do",
      "",
      ...whatTheyDo[report.scope.kind].map((step) => `- ${step}`),
      "",
    );
  }
  return lines.join("\n");
}
