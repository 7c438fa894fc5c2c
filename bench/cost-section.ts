/** The "Cost per 1M SMS" section of bench/RESULTS.md (full bench, `--only cost`, pipeline-only). */
import { functionSpec } from "../lib/catalog/index.ts";
import {
  type CostInputs,
  type CostResult,
  costPerMillion,
  type LeverRow,
  priceLevers,
  withCombinableLevers,
} from "./cost.ts";
import { costInputsFrom } from "./cost-inputs.ts";
import { LEVERS, withRestDeliveryReports } from "./cost-levers.ts";
import { PRICES, PRICES_AS_OF } from "./prices.ts";
import type { PipelineFigures } from "./run.ts";

export const COST_HEADING = "## Cost per 1M SMS (eu-central-1, carrier fees excluded)";
const GOAL_USD = 5;
const SECONDS_PER_MONTH = 30 * 24 * 3600;

export interface CostFigures {
  readonly inputs: CostInputs;
  readonly cost: CostResult;
  readonly levers: LeverRow[];
  /** The model with every ✓ lever applied: what would still stand in the way of the goal. */
  readonly withLevers: CostResult;
  /** The same SMS with a signed REST delivery-report callback each (HTTP carriers). */
  readonly viaRestCallbacks: number;
}

export function costFigures(pipeline: PipelineFigures): CostFigures {
  const inputs = costInputsFrom(pipeline);
  const dlr = { fn: "dlr", memoryMb: functionSpec("dlr").memoryMb, durationMs: pipeline.sequentialSendP50 };
  return {
    inputs,
    cost: costPerMillion(inputs),
    levers: priceLevers(inputs, LEVERS),
    withLevers: costPerMillion(withCombinableLevers(inputs, LEVERS)),
    viaRestCallbacks: costPerMillion(withRestDeliveryReports(inputs, dlr)).total,
  };
}

const usd = (n: number) => n.toFixed(2);
const cell = (text: string) => text.replaceAll("|", "/");

/**
 * X-Ray's default rule records the first trace each second before sampling 5%: below about one
 * trace root a second nearly every root is recorded. A fixed monthly cost, shown beside the total.
 */
function reservoirNote(figures: CostFigures): string {
  const xray = figures.cost.lines.find((line) => line.key === "xray");
  const rootsPerSms = figures.cost.traceRootsPerSms;
  const smsPerSecond = 1e6 / SECONDS_PER_MONTH;
  const recorded = Math.min(
    rootsPerSms * smsPerSecond,
    1 + 0.05 * Math.max(0, rootsPerSms * smsPerSecond - 1),
  );
  const monthly = recorded * SECONDS_PER_MONTH * PRICES.xrayTrace.usd;
  return `X-Ray's default rule also records the first trace root of every second (the "reservoir"): at 1M SMS a month
(${smsPerSecond.toFixed(2)} SMS/s, ${usd(rootsPerSms)} roots per SMS) that is nearly every root, $${usd(monthly)} a month instead of the
$${usd(xray?.perMillion ?? 0)} above, and at most $${usd(SECONDS_PER_MONTH * PRICES.xrayTrace.usd)} a month at any volume. Fixed costs not in the table: WAF $5 per web ACL and
$1 per rule a month, the event-source mappings' idle long polls, KMS keys, alarms, dashboards, schedules.`;
}

function remainingNote(withLevers: CostResult): string {
  const largest = [...withLevers.lines]
    .sort((a, b) => b.perMillion - a.perMillion)
    .slice(0, 5)
    .map((line) => `${line.item} $${usd(line.perMillion)} (${line.basis.split(" — ")[0]})`);
  const verdict =
    withLevers.total <= GOAL_USD
      ? "which meets the goal"
      : `still above the $${GOAL_USD} goal: the design would need more than these levers`;
  return `With every ✓ lever: $${usd(withLevers.total)} per 1M SMS, ${verdict}. Largest lines then: ${largest.join("; ")}.`;
}

export function renderCostSection(figures: CostFigures, context: { date: string; messages: number }): string {
  const { cost, levers } = figures;
  const rows = cost.lines.map((line) => `| ${line.item} | ${usd(line.perMillion)} | ${cell(line.basis)} |`);
  const leverRows = levers.map(
    (lever) =>
      `| ${cell(lever.name)}${LEVERS.find((l) => l.name === lever.name)?.combinable ? " ✓" : ""} | ${usd(lever.total)} | ${usd(lever.saving)} | ${cell(lever.whatItTakes)} |`,
  );
  const prices = Object.entries(PRICES).map(
    ([name, p]) =>
      `| ${name} | ${p.usd < 0.001 ? `${usd(p.usd * 1e6)} per 1M` : usd(p.usd)} | ${p.unit} | ${p.source} |`,
  );
  return `${COST_HEADING}

Modelled on ${context.date} from the pipeline run of ${context.messages} SMS (\`npm run bench\`, or
\`npm run bench -- --only cost\` for this section alone; \`npx tsx bench/pipeline-only.ts\` prints it). Per SMS on AWS:
what the run measured (DynamoDB capacity as DynamoDB reports it, SQS sends and consumer batches, log lines), plus
what the local platform cannot show, from the stack's configuration (basis column: measured / configured / assumed).
Delivery reports arrive as AWS End User Messaging SMS events (configuration set → SNS → SQS), never through API
Gateway; with a signed REST callback per SMS (HTTP carriers) the total would be $${usd(figures.viaRestCallbacks)}.

| item | $ per 1M SMS | basis |
| --- | --- | --- |
${rows.join("\n")}
| **total** | **${usd(cost.total)}** | goal ≤ $${GOAL_USD}: ${cost.total <= GOAL_USD ? "meets goal" : "**misses goal**"} |

${reservoirNote(figures)}

What it would take (each priced by the same model on the same measured inputs; none is built; the total above
stays the design as it is):

| lever | total $ per 1M SMS | saves $ | what it would take |
| --- | --- | --- | --- |
${leverRows.join("\n")}

${remainingNote(figures.withLevers)}

List prices (eu-central-1, on-demand, as of ${PRICES_AS_OF}, not re-checked offline; bench/prices.ts):

| price | $ | unit | source |
| --- | --- | --- | --- |
${prices.join("\n")}
`;
}
