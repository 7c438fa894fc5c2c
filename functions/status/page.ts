/**
 * The status page: one small static HTML document, no scripts, no external assets. Every value is
 * escaped; the only inline style is allowed by its hash in the page's own CSP.
 */
import { createHash } from "node:crypto";
import type { Incident } from "./incidents.ts";
import type { ReportedState } from "./model.ts";
import type { StatusReport, Uptime, WindowName } from "./service.ts";

const escapeHtml = (value: unknown): string =>
  String(value)
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");

const STYLE = [
  "body{font:16px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:52rem;padding:0 1rem;color:#1b1f24}",
  "table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.4rem .6rem;border-bottom:1px solid #d0d7de}",
  ".operational{color:#1a7f37}.degraded{color:#9a6700}.outage{color:#cf222e}.unknown{color:#57606a}",
  ".banner{font-size:1.3rem;font-weight:600}small{color:#57606a}",
  ".incident{border-left:4px solid #9a6700;padding-left:.8rem}.incident.critical{border-color:#cf222e}",
].join("");

export const STATUS_PAGE_CSP = `default-src 'none'; style-src 'sha256-${createHash("sha256").update(STYLE).digest("base64")}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;

const LABELS: Readonly<Record<ReportedState, string>> = {
  operational: "Operational",
  degraded: "Degraded",
  outage: "Outage",
  unknown: "Unknown (no recent probe)",
};

const stateCell = (state: ReportedState): string =>
  `<span class="${escapeHtml(state)}">${escapeHtml(LABELS[state])}</span>`;

const percent = (uptime: Uptime): string =>
  uptime.percent === null ? "not probed" : `${uptime.percent.toFixed(3)} %`;

const WINDOW_NAMES: readonly WindowName[] = ["24h", "7d", "30d"];

const STATUS_LABELS: Readonly<Record<Incident["status"], string>> = {
  investigating: "Investigating",
  identified: "Identified",
  monitoring: "Monitoring",
  resolved: "Resolved",
};

function incidentSection(incident: Incident): string {
  const updates = incident.updates
    .map(
      (update) =>
        `<li><strong>${escapeHtml(STATUS_LABELS[update.status])}</strong> <small>${escapeHtml(update.at)}</small><br>${escapeHtml(update.message)}</li>`,
    )
    .join("\n");
  return `<article class="incident ${escapeHtml(incident.impact)}">
<h3>${escapeHtml(incident.title)}</h3>
<p>${escapeHtml(STATUS_LABELS[incident.status])} · impact ${escapeHtml(incident.impact)} · affects ${escapeHtml(incident.components.join(", "))}</p>
<ul>
${updates}
</ul>
</article>`;
}

function incidentsBlock(incidents: { open: readonly Incident[]; resolved: readonly Incident[] }): string {
  const open = incidents.open.length
    ? incidents.open.map(incidentSection).join("\n")
    : "<p>No open incidents.</p>";
  const resolved = incidents.resolved.length
    ? `<h2>Resolved in the last 7 days</h2>\n${incidents.resolved.map(incidentSection).join("\n")}`
    : "";
  return `<h2>Incidents</h2>\n${open}\n${resolved}`;
}

export function statusPage(
  report: StatusReport & { incidents: { open: readonly Incident[]; resolved: readonly Incident[] } },
): string {
  const budget = report.slo.errorBudget;
  const rows = report.components
    .map(
      (component) =>
        `<tr><td>${escapeHtml(component.name)}</td><td>${stateCell(component.state)}</td>${WINDOW_NAMES.map(
          (name) => `<td>${escapeHtml(percent(component.uptime[name]))}</td>`,
        ).join("")}</tr>`,
    )
    .join("\n");
  const platform = WINDOW_NAMES.map((name) => `<td>${escapeHtml(percent(report.uptime[name]))}</td>`).join(
    "",
  );
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Textgate status</title>
<style>${STYLE}</style>
</head>
<body>
<h1>Textgate status</h1>
<p class="banner">Overall: ${stateCell(report.status)}</p>
<table>
<thead><tr><th>Component</th><th>Now</th><th>24 h</th><th>7 days</th><th>30 days</th></tr></thead>
<tbody>
${rows}
<tr><th>Platform</th><td></td>${platform}</tr>
</tbody>
</table>
${incidentsBlock(report.incidents)}
<h2>Service level objective</h2>
<p>Target: ${escapeHtml(report.slo.targetPercent)} % of minutes up over ${escapeHtml(report.slo.windowDays)} days
(${escapeHtml(report.slo.windowMinutes)} minutes). Error budget: ${escapeHtml(budget.budgetMinutes)} minutes;
down: ${escapeHtml(budget.downMinutes)} minutes; remaining: ${escapeHtml(budget.remainingMinutes)} minutes.</p>
<ul>
${report.notes.map((note) => `<li>${escapeHtml(note)}</li>`).join("\n")}
</ul>
<p><small>Updated ${escapeHtml(report.generatedAt)}. Machine-readable: /status.json</small></p>
</body>
</html>
`;
}
