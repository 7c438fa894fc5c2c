/**
 * `npm run chaos -- --smpp [--messages 400]`: SMPP faults over the connector (throttling, system
 * errors, full queues, links dropped mid-window, refused numbers, receipts in another id base).
 * Exits non-zero if a message is lost, a part arrives twice or a status ends wrong.
 */
import "./quality/quiet.ts";
import { parseArgs } from "node:util";
import { runSmppChaos } from "./quality/smpp-chaos-run.ts";
import { chaosProblems, runTool } from "./quality/verdict.ts";

const { values } = parseArgs({
  options: { smpp: { type: "boolean" }, messages: { type: "string", default: "400" } },
});

await runTool("smpp chaos", async () => {
  const report = await runSmppChaos({ messages: Number(values.messages), log: (line) => console.log(line) });
  console.log(`\nsmpp chaos report (${report.seconds} s)`);
  console.log(`  accepted ${report.accepted}, final status ${JSON.stringify(report.finalStatus)}`);
  console.log(`  smsc ${JSON.stringify(report.smsc)}`);
  console.log(
    `  lost = ${report.lost.length}${report.lost.length ? `: ${report.lost.slice(0, 10).join(", ")}` : ""}`,
  );
  console.log(`  duplicates = ${report.duplicates}`);
  console.log(
    `  wrong final status = ${report.wrongStatus.length} ${report.wrongStatus.slice(0, 5).join(", ")}`,
  );
  return chaosProblems({ ...report, sent: report.accepted, duplicatesPerKey: 0 });
});
